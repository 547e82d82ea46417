"""The playbooks in the database: the kinds, their versions, and making a new version (audited)."""
from flask import g, has_request_context
from flask_babel import get_locale, gettext as _
from peewee import JOIN

from capture import audit, labels
from capture.db import db, lock_until_commit
from capture.forms import InvalidInput, has_control_characters
from capture.models import Playbook, PlaybookVersion, User

from . import content as contents


def all_playbooks():
    """Every playbook, the built-in kinds first, then the added ones by code."""
    order = {kind: n for n, kind in enumerate(labels.KIND)}
    return sorted(Playbook.select(), key=lambda p: (order.get(p.kind, len(order)), p.kind))


def get(kind):
    """The playbook of a kind, or None."""
    return Playbook.get_or_none(Playbook.kind == kind)


def current(playbook):
    """The playbook's newest version."""
    return (PlaybookVersion.select().where(PlaybookVersion.playbook == playbook)
            .order_by(PlaybookVersion.number.desc()).get())


def version_of(playbook, version_id):
    """One of the playbook's versions by its id, or None."""
    return PlaybookVersion.get_or_none(PlaybookVersion.id == version_id, PlaybookVersion.playbook == playbook)


def with_current():
    """Every playbook with its newest version, as the list of kinds shows them."""
    return [(p, current(p)) for p in all_playbooks()]


def history(playbook):
    """Every version of the playbook, newest first, with who made it and what it changed (.changes)."""
    found = list(PlaybookVersion.select(PlaybookVersion, User)
                 .join(User, JOIN.LEFT_OUTER, on=PlaybookVersion.created_by)
                 .where(PlaybookVersion.playbook == playbook).order_by(PlaybookVersion.number.desc()))
    for newer, older in zip(found, found[1:] + [None]):
        newer.changes = contents.changes(content_of(older) if older else contents.empty(), content_of(newer))
    return found


def content_of(version):
    """A version's content as plain data."""
    return contents.loads(version.content)


def kind_label(kind):
    """A kind's name in the reader's language: the built-in label, or the playbook's own name."""
    if kind in labels.KIND:
        return str(labels.KIND[kind])
    # A list of bodies names the kind of each: an added kind is looked up once per request.
    known = g.setdefault("kind_names", {}) if has_request_context() else {}
    if kind not in known:
        playbook = get(kind)
        english = has_request_context() and str(get_locale()).startswith("en")
        known[kind] = kind if playbook is None else (playbook.name_en or playbook.name) if english else playbook.name
    return known[kind]


def kind_choices():
    """(kind, label) of every playbook, for a form."""
    return [(p.kind, kind_label(p.kind)) for p in all_playbooks()]


def may_edit(user, playbook):
    """True when the user may make new versions of this playbook (administrators; liaisons if allowed)."""
    if user is None or not user.is_authenticated:
        return False
    return user.role == "admin" or (user.role == "liaison" and playbook.liaisons_may_edit)


def checked_reason(reason):
    """The reason for a change, stripped; InvalidInput when it is missing or too long."""
    reason = (reason or "").strip()
    if not reason or len(reason) > 500 or has_control_characters(reason, multiline=True):
        raise InvalidInput({"reason": [_("请写明这次修改的原因（最多 500 字），它会记入审计记录。")]})
    return reason


def new_version(playbook, content, user, reason, details=None, body=None):
    """Make the playbook's next version from `content`; who, when and why go to the trail."""
    reason = checked_reason(reason)
    with db.atomic():
        lock_until_commit(f"playbook-{playbook.kind}")
        latest = (PlaybookVersion.select().where(PlaybookVersion.playbook == playbook)
                  .order_by(PlaybookVersion.number.desc()).first())
        top = latest.number if latest else 0
        old = contents.loads(latest.content) if latest else contents.empty()
        version = PlaybookVersion.create(playbook=playbook, number=top + 1, content=contents.dumps(content),
                                         reason=reason, created_by=user)
        audit.record("playbook.version", version, {
            "kind": playbook.kind, "number": version.number, "reason": reason,
            **contents.changes(old, content),
            **(details or {})}, user=user, body=body)
    return version


def add_kind(kind, name, name_en, user, copy_from=None, content=None, reason=None):
    """A new kind of body with its first version: `content`, a copy of another kind's, or empty."""
    kind, name, name_en = (kind or "").strip(), (name or "").strip(), (name_en or "").strip()
    errors = {}
    if not contents.KIND_CODE.match(kind):
        errors["kind"] = [_("类型代码为 2–20 位小写英文字母、数字或下划线，以字母开头，如 expo。")]
    elif get(kind) is not None:
        errors["kind"] = [_("已有类型代码 %(kind)s。", kind=kind)]
    if not name or len(name) > 100 or has_control_characters(name):
        errors["name"] = [_("请填写类型名称（最多 100 字）。")]
    if len(name_en) > 100 or has_control_characters(name_en):
        errors["name_en"] = [_("英文名称最多 100 个字符。")]
    if errors:
        raise InvalidInput(errors)
    source = get(copy_from) if copy_from else None
    if content is None:
        content = contents.loads(current(source).content) if source else contents.empty()
    with db.atomic():
        playbook = Playbook.create(kind=kind, name=name, name_en=name_en)
        audit.record("playbook.create", playbook, {"kind": kind, "name": name, "name_en": name_en,
                                                   "copied_from": copy_from or ""}, user=user)
        reason = reason or (_("新增机构类型，内容复制自“%(kind)s”", kind=kind_label(copy_from)) if source
                            else _("新增机构类型"))
        new_version(playbook, content, user, reason)
    return playbook


def rename(playbook, name, name_en, user):
    """Give the kind new names (an empty Chinese name keeps the old one); True if they changed; audited."""
    name, name_en = (name or "").strip()[:100] or playbook.name, (name_en or "").strip()[:100]
    if (name, name_en) == (playbook.name, playbook.name_en):
        return False
    with db.atomic():
        audit.record("playbook.settings", playbook, {"kind": playbook.kind, "name": [playbook.name, name],
                                                     "name_en": [playbook.name_en, name_en]}, user=user)
        playbook.name, playbook.name_en = name, name_en
        playbook.save()
    return True


def allow_liaisons(playbook, allowed, user):
    """Let liaisons make new versions of this playbook, or stop them; audited."""
    if playbook.liaisons_may_edit != bool(allowed):
        with db.atomic():
            audit.record("playbook.settings", playbook, {
                "kind": playbook.kind, "liaisons_may_edit": [playbook.liaisons_may_edit, bool(allowed)]},
                user=user)
            playbook.liaisons_may_edit = bool(allowed)
            playbook.save()
