"""Exchange with the provincial platform through its front database (前置库, 001 §4–§5, §10–§11, §14).

A package of the supervision service (it hears every event) with its own tables (``exchange_*``) and
its own nameko service, ``exchange`` (``supervision.exchange.service``), run as a process of its own:

- ``facts``: plain rules turning events (and the published catalog) into the records the province
  wants (flows, stages, stage items, project, units, cases, case steps, approval documents,
  attachments, the red-line boundary, intermediary services);
- ``mapping``: the versioned mapping (``mapping/v<n>.json``, data) from those records to the rows
  of the front database, with our codes mapped to the national code lists;
- ``rejections``: what a rejection's reason (SBYY) asks of the platform;
- ``store`` / ``front``: the staged row versions in the supervision database and the front database;
- ``handlers``: the use cases (stage, push, poll, status, operator tasks); ``service``: entrypoints.
"""
