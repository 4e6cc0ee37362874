"""Import and export of the catalogue (CSV and JSON), for operators and the demo catalogue.

The format is documented in docs/catalogue-import.md. Procedures are upserted by code; each row
is validated completely and written in its own savepoint, so a bad row is reported with its line
and reasons and never aborts the others nor leaves half a procedure. Running the same file twice
reports nothing created or updated.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from core import csvfiles

from . import search
from .constants import AgencyLevel, FormFieldType, ServiceLevel
from .models import Agency, Field, FormField, Procedure, RequiredDocument
from .pdf import text_to_pdf
from .services import catalogue_changed

PROCEDURE_COLUMNS = [
    "code",
    "name",
    "agency",
    "field",
    "service_level",
    "description",
    "steps",
    "submission_methods",
    "processing_days",
    "fee_amount",
    "fee_text",
    "legal_basis",
    "eligible_applicants",
    "result",
    "published",
    "documents",
    "form_fields",
]
TEXT_COLUMNS = (
    "name",
    "description",
    "steps",
    "submission_methods",
    "fee_text",
    "legal_basis",
    "eligible_applicants",
    "result",
)
LEVEL_ALIASES = {
    "full_online": ServiceLevel.FULL_ONLINE,
    "toan trinh": ServiceLevel.FULL_ONLINE,
    "toàn trình": ServiceLevel.FULL_ONLINE,
    "partial_online": ServiceLevel.PARTIAL_ONLINE,
    "mot phan": ServiceLevel.PARTIAL_ONLINE,
    "một phần": ServiceLevel.PARTIAL_ONLINE,
}
TRUE = {"1", "true", "yes", "y", "x", "có", "co"}
FALSE = {"0", "false", "no", "n", "", "không", "khong"}


class RowError(Exception):
    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass
class Report:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[str, str, list[str]]] = field(default_factory=list)  # (where, code, reasons)
    agencies: dict[str, int] = field(default_factory=lambda: {"created": 0, "updated": 0, "unchanged": 0})
    fields: dict[str, int] = field(default_factory=lambda: {"created": 0, "updated": 0, "unchanged": 0})

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


# --- Reading --------------------------------------------------------------------------------


@dataclass
class Source:
    agencies: list[tuple[str, dict]]
    fields: list[tuple[str, dict]]
    procedures: list[tuple[str, dict]]  # (where, raw row)


def read_file(path: Path) -> Source:
    """CSV (one procedure per record, documents/form_fields as JSON-encoded cells) or JSON
    (``{"agencies": [...], "fields": [...], "procedures": [...]}`` or a bare list of procedures)."""
    data = path.read_bytes()
    if path.suffix.lower() == ".json":
        return read_json(data.decode("utf-8-sig"))
    return read_csv(data.decode("utf-8-sig"))


def read_json(text: str) -> Source:
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RowError([_("The file is not valid JSON: %(error)s") % {"error": exc}]) from exc
    if isinstance(payload, list):
        payload = {"procedures": payload}
    if not isinstance(payload, dict):
        raise RowError([_("The JSON file must hold an object or a list of procedures.")])

    def items(section: str) -> list[tuple[str, dict]]:
        rows = payload.get(section) or []
        if not isinstance(rows, list):
            raise RowError([_("“%(section)s” must be a list.") % {"section": section}])
        return [(f"{section}[{index}]", row) for index, row in enumerate(rows, start=1)]

    return Source(agencies=items("agencies"), fields=items("fields"), procedures=items("procedures"))


def read_csv(text: str) -> Source:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = {"code", "name", "agency", "field"} - set(reader.fieldnames or [])
    if missing:
        raise RowError([_("Missing CSV columns: %(columns)s") % {"columns": ", ".join(sorted(missing))}])
    rows: list[tuple[str, dict]] = []
    line = 2  # the header is line 1; a record may span several lines (quoted newlines)
    for record in reader:
        values = {name: csvfiles.restore_cell(value) for name, value in record.items()}
        rows.append((_("line %(line)d") % {"line": line}, {**values, "_csv": True}))
        line = reader.line_num + 1
    return Source(agencies=[], fields=[], procedures=rows)


# --- Validation -----------------------------------------------------------------------------


def _int(value: Any, name: str, errors: list[str], default: int | None = None) -> int | None:
    if value in (None, "") and default is not None:
        return default
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        errors.append(_("%(column)s: enter a whole number (got “%(value)s”).") % {"column": name, "value": value})
        return None
    if number < 0:
        errors.append(_("%(column)s: cannot be negative.") % {"column": name})
        return None
    return number


def _bool(value: Any, name: str, errors: list[str], default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False if text else default
    errors.append(_("%(column)s: write true or false (got “%(value)s”).") % {"column": name, "value": value})
    return default


def _json_list(value: Any, name: str, errors: list[str], *, from_csv: bool) -> list:
    if value in (None, ""):
        return []
    if from_csv and isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            errors.append(_("%(column)s: not a valid JSON list.") % {"column": name})
            return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        errors.append(_("%(column)s: must be a list of objects.") % {"column": name})
        return []
    return value


def _messages(exc: ValidationError, prefix: str = "") -> list[str]:
    if hasattr(exc, "error_dict"):
        return [f"{prefix}{name}: {' '.join(str(m) for m in msgs)}" for name, msgs in exc.message_dict.items()]
    return [f"{prefix}{m}" for m in exc.messages]


@dataclass
class TemplateFile:
    name: str  # the file name to store, or an existing storage name
    content: bytes | None  # None: already in storage under ``name``


class Importer:
    def __init__(self, *, base_dir: Path | None = None, dry_run: bool = False, templates: bool = True) -> None:
        self.base_dir = base_dir
        self.dry_run = dry_run
        self.templates = templates  # False: ignore template references (fast test fixtures)
        self.report = Report()
        self.agencies: dict[str, Agency] = {}
        self.fields: dict[str, Field] = {}

    # Agencies and fields (JSON sections) ------------------------------------------------

    def import_source(self, source: Source) -> Report:
        """Import everything in one outer transaction (rolled back for --dry-run); each row in a
        savepoint of its own."""
        with transaction.atomic():
            self._import_fields(source.fields)
            self._import_agencies(source.agencies)
            self.agencies = {a.code: a for a in Agency.objects.all()}
            self.fields = {f.code: f for f in Field.objects.all()}
            for where, raw in source.procedures:
                self._import_procedure(where, raw)
            if self.dry_run:
                transaction.set_rollback(True)
            else:
                catalogue_changed()
        return self.report

    def _upsert_simple(self, instance, values: dict, counter: dict[str, int]) -> None:
        changed = instance.pk is None or any(getattr(instance, k) != v for k, v in values.items())
        for key, value in values.items():
            setattr(instance, key, value)
        if not changed:
            counter["unchanged"] += 1
            return
        instance.full_clean()
        counter["created" if instance.pk is None else "updated"] += 1
        instance.save()

    def _import_fields(self, rows: list[tuple[str, dict]]) -> None:
        for where, raw in rows:
            code = str(raw.get("code") or "").strip()
            try:
                with transaction.atomic():
                    field_obj = Field.objects.filter(code=code).first() or Field(code=code)
                    self._upsert_simple(field_obj, {"name": str(raw.get("name") or "").strip()}, self.report.fields)
            except ValidationError as exc:
                self.report.rejected.append((where, code, _messages(exc)))

    def _import_agencies(self, rows: list[tuple[str, dict]]) -> None:
        pending = list(rows)
        # Parents first: repeat while rows whose parent was just created remain.
        for _round in range(6):
            waiting = []
            for where, raw in pending:
                parent_code = str(raw.get("parent") or "").strip()
                if parent_code and not Agency.objects.filter(code=parent_code).exists():
                    waiting.append((where, raw))
                    continue
                self._import_agency(where, raw, parent_code)
            if len(waiting) == len(pending):
                break
            pending = waiting
        else:
            waiting = pending
        for where, raw in waiting:
            reason = _("parent: no agency with code “%(code)s”.") % {"code": raw.get("parent")}
            self.report.rejected.append((where, str(raw.get("code") or ""), [reason]))

    def _import_agency(self, where: str, raw: dict, parent_code: str) -> None:
        code = str(raw.get("code") or "").strip()
        errors: list[str] = []
        level = str(raw.get("level") or "").strip()
        if level == "district":
            errors.append(_("level: the district tier was abolished on 1 July 2025; use “commune” or “province”."))
        elif level not in AgencyLevel.values:
            errors.append(_("level: must be one of %(values)s.") % {"values": ", ".join(AgencyLevel.values)})
        active = _bool(raw.get("active", raw.get("is_active")), "active", errors, True)
        if errors:
            self.report.rejected.append((where, code, errors))
            return
        values = {
            "name": str(raw.get("name") or "").strip(),
            "level": level,
            "parent": Agency.objects.filter(code=parent_code).first() if parent_code else None,
            "address": str(raw.get("address") or "").strip(),
            "phone": str(raw.get("phone") or "").strip(),
            "email": str(raw.get("email") or "").strip(),
            "is_active": active,
        }
        try:
            with transaction.atomic():
                agency = Agency.objects.filter(code=code).first() or Agency(code=code)
                self._upsert_simple(agency, values, self.report.agencies)
        except ValidationError as exc:
            self.report.rejected.append((where, code, _messages(exc)))

    # Procedures ---------------------------------------------------------------------------

    def _import_procedure(self, where: str, raw: Any) -> None:
        code = str(raw.get("code") or "").strip() if isinstance(raw, dict) else ""
        try:
            if not isinstance(raw, dict):
                raise RowError([_("Each procedure must be an object.")])
            with transaction.atomic():
                outcome = self._upsert_procedure(raw)
        except RowError as exc:
            self.report.rejected.append((where, code, exc.reasons))
        except ValidationError as exc:
            self.report.rejected.append((where, code, _messages(exc)))
        except ProtectedError:
            reason = _("a document or form field to remove is still used by dossiers.")
            self.report.rejected.append((where, code, [reason]))
        except DatabaseError as exc:
            self.report.rejected.append((where, code, [_("database error: %(error)s") % {"error": exc}]))
        else:
            self.report.count(outcome)

    def _clean(self, raw: dict) -> tuple[dict, list[dict], list[dict]]:
        errors: list[str] = []
        from_csv = bool(raw.get("_csv"))
        values: dict[str, Any] = {name: str(raw.get(name) or "").strip() for name in TEXT_COLUMNS}
        values["code"] = str(raw.get("code") or "").strip()
        agency_code = str(raw.get("agency") or "").strip()
        field_code = str(raw.get("field") or "").strip()
        values["agency"] = self.agencies.get(agency_code)
        if values["agency"] is None:
            errors.append(_("agency: no agency with code “%(code)s”.") % {"code": agency_code})
        values["field"] = self.fields.get(field_code)
        if values["field"] is None:
            errors.append(_("field: no field with code “%(code)s”.") % {"code": field_code})
        level = str(raw.get("service_level") or "").strip()
        values["service_level"] = LEVEL_ALIASES.get(level.lower(), level)
        if values["service_level"] not in ServiceLevel.values:
            errors.append(_("service_level: write full_online or partial_online (got “%(value)s”).") % {"value": level})
        values["processing_days"] = _int(raw.get("processing_days"), "processing_days", errors)
        values["fee_amount"] = _int(raw.get("fee_amount"), "fee_amount", errors, default=0)
        values["is_published"] = _bool(raw.get("published", raw.get("is_published")), "published", errors, True)
        documents = []
        for index, doc in enumerate(_json_list(raw.get("documents"), "documents", errors, from_csv=from_csv), 1):
            prefix = _("document %(n)d") % {"n": index}
            documents.append(
                {
                    "name": str(doc.get("name") or "").strip(),
                    "originals": _int(doc.get("originals"), f"{prefix} originals", errors, default=0),
                    "copies": _int(doc.get("copies"), f"{prefix} copies", errors, default=0),
                    "is_required": _bool(
                        doc.get("required", doc.get("is_required")), f"{prefix} required", errors, True
                    ),
                    "order": index,
                    "template": str(doc.get("template") or "").strip(),
                }
            )
        names = [d["name"] for d in documents]
        if len(set(names)) != len(names):
            errors.append(_("documents: two documents have the same name."))
        form_fields = []
        for index, item in enumerate(_json_list(raw.get("form_fields"), "form_fields", errors, from_csv=from_csv), 1):
            prefix = _("form field %(n)d") % {"n": index}
            field_type = str(item.get("type") or item.get("field_type") or FormFieldType.TEXT).strip()
            if field_type not in FormFieldType.values:
                errors.append(
                    _("%(field)s type: must be one of %(values)s.")
                    % {"field": prefix, "values": ", ".join(FormFieldType.values)}
                )
            choices = item.get("choices") or []
            if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
                errors.append(_("%(field)s choices: must be a list of texts.") % {"field": prefix})
                choices = []
            if field_type == FormFieldType.CHOICE and not choices:
                errors.append(_("%(field)s: a choice question needs choices.") % {"field": prefix})
            form_fields.append(
                {
                    "key": str(item.get("key") or "").strip(),
                    "label": str(item.get("label") or "").strip(),
                    "field_type": field_type,
                    "is_required": _bool(
                        item.get("required", item.get("is_required")), f"{prefix} required", errors, False
                    ),
                    "choices": choices,
                    "help_text": str(item.get("help_text") or "").strip(),
                    "order": index,
                }
            )
        keys = [f["key"] for f in form_fields]
        if len(set(keys)) != len(keys):
            errors.append(_("form_fields: two form fields have the same key."))
        if errors:
            raise RowError(errors)
        return values, documents, form_fields

    def _resolve_template(self, reference: str) -> TemplateFile:
        """A template given as a path next to the import file (``.txt`` is rendered to PDF; a
        ``.pdf`` that does not exist is looked for as ``.txt``) or as the storage name written by
        export."""
        candidates: list[Path] = []
        if self.base_dir is not None:
            relative = PurePosixPath(reference)
            if not relative.is_absolute() and ".." not in relative.parts:
                for folder in (self.base_dir, self.base_dir / "templates"):
                    path = folder / relative
                    candidates += [path, path.with_suffix(".txt")] if path.suffix.lower() == ".pdf" else [path]
        for path in candidates:
            if path.is_file():
                if path.suffix.lower() == ".txt":
                    return TemplateFile(path.stem + ".pdf", text_to_pdf(path.read_text(encoding="utf-8")))
                return TemplateFile(path.name, path.read_bytes())
        if reference.startswith("procedure_templates/") and default_storage.exists(reference):
            return TemplateFile(reference, None)
        raise RowError([_("template: file “%(name)s” not found.") % {"name": reference}])

    @staticmethod
    def _same_file(document: RequiredDocument, template: TemplateFile) -> bool:
        if not document.template:
            return False
        if template.content is None:
            return document.template.name == template.name
        try:
            with document.template.open("rb") as handle:
                stored = handle.read()
        except OSError:
            return False
        return hashlib.sha256(stored).digest() == hashlib.sha256(template.content).digest()

    def _upsert_procedure(self, raw: dict) -> str:
        values, documents, form_fields = self._clean(raw)
        procedure = Procedure.objects.filter(code=values["code"]).first()
        created = procedure is None
        procedure = procedure or Procedure(code=values["code"])
        changed = created or any(getattr(procedure, k) != v for k, v in values.items() if k != "code")
        for key, value in values.items():
            setattr(procedure, key, value)
        procedure.full_clean()
        if changed:
            procedure.save()

        existing_docs = {d.name: d for d in procedure.documents.all()} if not created else {}
        for item in documents:
            reference = item.pop("template")
            template = self._resolve_template(reference) if reference and self.templates else None
            document = existing_docs.pop(item["name"], None) or RequiredDocument(procedure=procedure)
            doc_changed = document.pk is None or any(getattr(document, k) != v for k, v in item.items())
            for key, value in item.items():
                setattr(document, key, value)
            try:
                document.full_clean(exclude=["procedure", "template"])
            except ValidationError as exc:
                prefix = _("document %(n)d") % {"n": item["order"]} + " "
                raise RowError(_messages(exc, prefix=prefix)) from exc
            if template is not None and not self._same_file(document, template):
                doc_changed = True
                if template.content is None:
                    document.template.name = template.name
                elif not self.dry_run:
                    document.template.save(template.name, ContentFile(template.content), save=False)
            if doc_changed:
                changed = True
                document.save()
        if existing_docs:
            changed = True
            RequiredDocument.objects.filter(pk__in=[d.pk for d in existing_docs.values()]).delete()

        existing_fields = {f.key: f for f in procedure.form_fields.all()} if not created else {}
        for item in form_fields:
            form_field = existing_fields.pop(item["key"], None) or FormField(procedure=procedure)
            field_changed = form_field.pk is None or any(getattr(form_field, k) != v for k, v in item.items())
            for key, value in item.items():
                setattr(form_field, key, value)
            try:
                form_field.full_clean(exclude=["procedure"], validate_unique=False)
            except ValidationError as exc:
                raise RowError(_messages(exc, prefix=_("form field “%(key)s” ") % {"key": item["key"]})) from exc
            if field_changed:
                changed = True
                form_field.save()
        if existing_fields:
            changed = True
            FormField.objects.filter(pk__in=[f.pk for f in existing_fields.values()]).delete()

        if not changed:
            return "unchanged"
        if not created:
            procedure.save(update_fields=["updated_at"])
        search.refresh([procedure.pk])
        return "created" if created else "updated"


# --- Export ---------------------------------------------------------------------------------


def procedure_rows() -> Iterator[dict]:
    procedures = (
        Procedure.objects.select_related("agency", "field")
        .prefetch_related("documents", "form_fields")
        .order_by("code")
    )
    for p in procedures:
        yield {
            "code": p.code,
            "name": p.name,
            "agency": p.agency.code,
            "field": p.field.code,
            "service_level": p.service_level,
            "description": p.description,
            "steps": p.steps,
            "submission_methods": p.submission_methods,
            "processing_days": p.processing_days,
            "fee_amount": p.fee_amount,
            "fee_text": p.fee_text,
            "legal_basis": p.legal_basis,
            "eligible_applicants": p.eligible_applicants,
            "result": p.result,
            "published": p.is_published,
            "documents": [
                {
                    "name": d.name,
                    "originals": d.originals,
                    "copies": d.copies,
                    "required": d.is_required,
                    **({"template": d.template.name} if d.template else {}),
                }
                for d in p.documents.all()
            ],
            "form_fields": [
                {
                    "key": f.key,
                    "label": f.label,
                    "type": f.field_type,
                    "required": f.is_required,
                    "choices": f.choices,
                    "help_text": f.help_text,
                }
                for f in p.form_fields.all()
            ],
        }


def export_json() -> str:
    agencies = [
        {
            "code": a.code,
            "name": a.name,
            "level": a.level,
            "parent": a.parent.code if a.parent else None,
            "address": a.address,
            "phone": a.phone,
            "email": a.email,
            "active": a.is_active,
        }
        for a in Agency.objects.select_related("parent").order_by("code")
    ]
    fields = [{"code": f.code, "name": f.name} for f in Field.objects.order_by("code")]
    payload = {"agencies": agencies, "fields": fields, "procedures": list(procedure_rows())}
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"


def export_csv() -> str:
    buffer = io.StringIO(newline="")
    writer = csvfiles.dict_writer(buffer, fieldnames=PROCEDURE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in procedure_rows():
        row["published"] = "true" if row["published"] else "false"
        row["documents"] = json.dumps(row["documents"], ensure_ascii=False)
        row["form_fields"] = json.dumps(row["form_fields"], ensure_ascii=False)
        writer.writerow(row)
    return buffer.getvalue()
