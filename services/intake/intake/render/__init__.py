"""People-facing renderings of intake data: the approval flowchart (SVG) and the window's documents (PDF).

Plain functions from dicts to bytes or text: no service, database or broker code here.
"""
