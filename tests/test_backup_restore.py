"""Backup mid-run and restore: a platform walks a project, `scripts/backup backup` copies it while it
runs, the run goes on; `scripts/backup restore` fills fresh databases and a fresh material
directory, a new platform starts on them, and its read side shows the project as it was at the
backup: the project, its material (the same bytes), its cases and stage, the licence, supervision's
overview and the window's documents. The audit chain restored with the gateway's database verifies."""
import hashlib
import json
import os
import subprocess
import sys
from datetime import UTC
from pathlib import Path

from launcher import SERVICES, Platform
from platforms import free_port, running_platform, throwaway_vhost
from test_end_to_end import PDF, STAGE_1_FORM, eventually, login

ROOT = Path(__file__).resolve().parents[1]
NAMES = SERVICES + ("gateway",)


def backup_command(command, directory, env):
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "backup"), command, str(directory)], cwd=ROOT,
                          env=env, capture_output=True, text=True)


def read_side(platform, code, material):
    """What the read side answers about the project (volatile fields left out)."""
    applicant, supervisor = login(platform, "applicant"), login(platform, "supervisor")
    nrp, drc = login(platform, "nrp-officer"), login(platform, "drc-officer")
    content = applicant.get(f"/materials/{material['material_id']}/versions/1/content")
    assert content.status_code == 200, content.text
    stages = applicant.get(f"/projects/{code}/stages").json()["items"]
    overview = supervisor.get(f"/supervision/projects/{code}").json()
    documents = applicant.get(f"/projects/{code}/documents").json()["items"]
    return {
        "project": applicant.get(f"/projects/{code}").json(),
        "materials": applicant.get(f"/projects/{code}/materials").json()["items"],
        "content_sha256": hashlib.sha256(content.content).hexdigest(),
        "cases": sorted((c["department"], c["case_id"], c["state"],
                         tuple((d["action"], d["who"])
                               for d in officer.get(f"/cases/{c['case_id']}").json()["history"]))
                        for officer in (nrp, drc)
                        for c in officer.get("/cases", params={"project_code": code}).json()["items"]),
        "stages": [(s["stage_id"], s["stage"], s["state"], sorted((c["case_id"], c["state"]) for c in s["cases"]))
                   for s in stages],
        "licences": sorted((l["licence_id"], l["document"]["item_code"]) for l in
                           applicant.get(f"/projects/{code}/licences").json()["items"]),
        "overview": sorted((c["case_id"], c["department"], c.get("concluded_on"))
                           for s in overview.get("stages", []) for c in s["cases"]),
        "documents": sorted((d["document_id"], d.get("kind"), d.get("document_no")) for d in documents),
    }


def test_a_platform_backed_up_mid_run_comes_back_on_fresh_databases(postgres, tmp_path):
    backup_dir = tmp_path / "backup"
    with running_platform(postgres, tmp_path / "old", "backup", catalog=True,
                          extra_env={"OUTBOX_POLL_SECONDS": "0.5"}) as old:
        applicant = login(old, "applicant")
        project = applicant.post("/projects", json={
            "name": "焦作市第一人民医院门诊楼建设项目", "category": "gov_building", "region": "410800",
            "attributes": {"floor_area_m2": 12500.5}}).json()
        code = project["project_code"]
        material = applicant.post(f"/projects/{code}/materials", data={"name": "建设项目用地预审与选址意见书"},
                                  files={"file": ("site.pdf", PDF, "application/pdf")}).json()
        declared = applicant.post(f"/projects/{code}/declarations", json={
            "stage": "land_use_planning", "form": STAGE_1_FORM, "material_ids": [material["material_id"]]})
        assert declared.status_code == 201, declared.text
        officers = {"NRP": login(old, "nrp-officer"), "DRC": login(old, "drc-officer")}
        cases = {d: eventually(lambda o=o: (o.get("/cases", params={"project_code": code}).json()["items"] or
                                            [None])[0]) for d, o in officers.items()}
        # NRP carries its case through (a licence is issued); DRC only accepts
        for action in ("accept", "review", "approve", "conclude"):
            acted = officers["NRP"].post(f"/cases/{cases['NRP']['case_id']}/actions",
                                         json={"action": action, "opinion": "同意"})
            assert acted.status_code == 200, acted.text
        assert officers["DRC"].post(f"/cases/{cases['DRC']['case_id']}/actions",
                                    json={"action": "accept", "opinion": "受理"}).status_code == 200
        eventually(lambda: applicant.get(f"/projects/{code}/licences").json()["items"])
        eventually(lambda: len(login(old, "supervisor").get(f"/supervision/projects/{code}").json()
                               .get("stages", [{}])[0].get("cases", [])) == 2)
        before = read_side(old, code, material)

        done = backup_command("backup", backup_dir, old.env())
        assert done.returncode == 0, done.stderr
        # the run goes on after the backup: DRC decides its case
        for action in ("review", "approve", "conclude"):
            assert officers["DRC"].post(f"/cases/{cases['DRC']['case_id']}/actions",
                                        json={"action": action, "opinion": "同意"}).status_code == 200
        eventually(lambda: len(applicant.get(f"/projects/{code}/licences").json()["items"]) == 2)
        old_keys = old.keys_dir

    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert set(manifest["databases"]) == set(NAMES)
    stored = [f for f in manifest["materials"]["files"]]
    assert len(stored) == 1 and stored[0]["sha256"] == hashlib.sha256(PDF).hexdigest() == before["content_sha256"]
    for item in list(manifest["databases"].values()) + stored:
        assert hashlib.sha256((backup_dir / item["file"]).read_bytes()).hexdigest() == item["sha256"]
        assert (backup_dir / item["file"]).stat().st_size == item["bytes"]

    new_dir = tmp_path / "new"
    with throwaway_vhost("restored") as vhost:
        urls = {name: postgres.blank(name) for name in NAMES}
        new = Platform(amqp_uri=f"pyamqp://guest:guest@127.0.0.1:5672/{vhost}", database_urls=urls,
                       keys_dir=old_keys, port=free_port(), workdir=new_dir,
                       extra_env={"GATEWAY_WORKERS": "2", "OUTBOX_POLL_SECONDS": "0.5"})
        env = new.env()
        # a target that is not empty is refused before anything changes
        (new_dir / "materials").mkdir(parents=True)
        (new_dir / "materials" / "stray").write_bytes(b"x")
        refused = backup_command("restore", backup_dir, env)
        assert refused.returncode == 1 and "not empty" in refused.stderr
        (new_dir / "materials" / "stray").unlink()
        done = backup_command("restore", backup_dir, env)
        assert done.returncode == 0, done.stderr
        assert backup_command("restore", backup_dir, env).returncode == 1  # now they hold data
        new.start()
        try:
            new.wait_ready()
            after = eventually(lambda: (lambda side: side if side == before else None)(
                read_side(new, code, material)), timeout=30)
            assert [(department, state) for department, _, state, _ in after["cases"]] == \
                [("DRC", "accepted"), ("NRP", "concluded")]
            drc_actions = [action for action, _ in after["cases"][0][3]]
            assert "accept" in drc_actions and "approve" not in drc_actions  # as at the backup, not later
            assert len(after["licences"]) == 1 and after["documents"]
            audit = subprocess.run([sys.executable, "-m", "gateway.audit", "verify"], cwd=ROOT, env=env,
                                   capture_output=True, text=True)
            assert audit.returncode == 0 and "intact" in audit.stdout, audit.stdout + audit.stderr
            exported = subprocess.run([sys.executable, "-m", "gateway.audit", "export"], cwd=ROOT, env=env,
                                      capture_output=True, text=True)
            records = [json.loads(line) for line in exported.stdout.splitlines()]
            decided = {(r["event"], r["actor"], r["role"], r["status"]) for r in records}
            assert {("catalog_load", "operator", "operator", 200), ("login", "nrp-officer", "officer", 200),
                    ("case_action", "nrp-officer", "officer", 200), ("download", "applicant", "applicant", 200)
                    } <= decided
            assert {r["object_ids"].get("case_id") for r in records if r["event"] == "case_action"} == \
                {cases["NRP"]["case_id"], cases["DRC"]["case_id"]}
        except Exception:
            for process in new.processes:
                print(f"--- {process.label}\n{new.tail(process, 60)}")
            raise
        finally:
            new.stop()


def test_sqlite_databases_round_trip_and_events_published_during_the_backup_go_out_again(tmp_path):
    """The local ``--sqlite`` mode: every database copied through SQLite's backup API; after a restore,
    an event published once the backup had begun is back in its outbox, an earlier one is not."""
    from datetime import datetime, timedelta

    from platform_kit.migrate import upgrade
    from sqlalchemy import create_engine, text

    def env_for(directory):
        env = dict(os.environ, MATERIAL_STORAGE_DIR=str(directory / "materials"))
        env.update({f"{name.upper()}_DATABASE_URL": f"sqlite:///{directory / (name + '.db')}" for name in NAMES})
        return env

    source = env_for(tmp_path / "old")
    for name in NAMES:
        upgrade(name, source[f"{name.upper()}_DATABASE_URL"])
    (tmp_path / "old" / "materials" / "ab").mkdir(parents=True)
    (tmp_path / "old" / "materials" / "ab" / "abcdef").write_bytes(PDF)
    (tmp_path / "old" / "materials" / ".incoming").mkdir()
    (tmp_path / "old" / "materials" / ".incoming" / "half-uploaded").write_bytes(b"%PDF")
    now = datetime.now(UTC)
    engine = create_engine(source["INTAKE_DATABASE_URL"])
    with engine.begin() as conn:
        for event_id, published in (("before", now - timedelta(hours=1)), ("during", now + timedelta(hours=1)),
                                    ("pending", None)):
            conn.execute(text("INSERT INTO outbox (event_id, event_type, source, body, created_at, published_at, "
                              "attempts) VALUES (:e, 'project.registered', 'intake', '{}', :c, :p, 1)"),
                         {"e": event_id, "c": now - timedelta(hours=2), "p": published})
    engine.dispose()

    done = backup_command("backup", tmp_path / "backup", source)
    assert done.returncode == 0, done.stderr
    assert backup_command("verify", tmp_path / "backup", source).returncode == 0
    target = env_for(tmp_path / "new")
    done = backup_command("restore", tmp_path / "backup", target)
    assert done.returncode == 0, done.stderr
    assert "intake: restored, 1 events to send again" in done.stdout
    assert (tmp_path / "new" / "materials" / "ab" / "abcdef").read_bytes() == PDF
    assert not (tmp_path / "new" / "materials" / ".incoming").exists()
    engine = create_engine(target["INTAKE_DATABASE_URL"])
    with engine.connect() as conn:
        waiting = conn.execute(text("SELECT event_id FROM outbox WHERE published_at IS NULL ORDER BY event_id"))
        assert [row[0] for row in waiting] == ["during", "pending"]
    engine.dispose()

    # a damaged backup is refused, naming the file
    dump = tmp_path / "backup" / "databases" / "stage.sqlite3"
    dump.write_bytes(dump.read_bytes() + b"x")
    damaged = backup_command("verify", tmp_path / "backup", source)
    assert damaged.returncode == 1 and "databases/stage.sqlite3" in damaged.stderr
