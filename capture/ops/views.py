"""The administrator's pages for running the installation: a full fixity pass, started from the
web and done by `capture worker` as a background job that its page follows."""
from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import login_required
from flask_wtf import FlaskForm

from capture import jobs
from capture.models import Job
from capture.people import auth

from . import fixity, worker

bp = Blueprint("ops", __name__, url_prefix="/admin")
bp.before_app_request(worker.start_with_development_server)


class FixityForm(FlaskForm):
    """Start a full fixity pass, or start a failed one again (the CSRF token is all it carries)."""


@bp.route("/fixity")
@login_required
@auth.require("fixity.run")
def fixity_index():
    """The full fixity pass: start one or follow the one under way; the passes before it."""
    running = fixity.active_pass()
    passes = list(Job.select().where(Job.kind == fixity.KIND).order_by(Job.id.desc()).limit(10))
    return render_template("ops/fixity.html", running=running, passes=passes, form=FixityForm(),
                           results={p.id: fixity.kept_report(p) for p in passes if p.status == "done"})


@bp.route("/fixity", methods=["POST"])
@login_required
@auth.require("fixity.run")
def start_fixity():
    """Queue a full pass (or show the one already under way) and follow it on its page."""
    if not FixityForm().validate_on_submit():
        abort(400)
    job = fixity.start(auth.user())
    return redirect(url_for(".fixity_job", job_id=job.id), 303)


def _pass_or_404(job_id):
    return Job.get_or_none(Job.id == job_id, Job.kind == fixity.KIND) or abort(404)


@bp.route("/fixity/jobs/<int:job_id>")
@login_required
@auth.require("fixity.run")
def fixity_job(job_id):
    """A full pass: its progress while it runs, then what it found and where."""
    found = jobs.as_it_stands(_pass_or_404(job_id))
    report = fixity.kept_report(found) if found.status == "done" else None
    held = fixity.holding_documents(report.damaged + report.missing) if report else {}
    return render_template("ops/fixity_job.html", job=found, elapsed=jobs.elapsed(found),
                           report=report, held=held, form=FixityForm())


@bp.route("/fixity/jobs/<int:job_id>/restart", methods=["POST"])
@login_required
@auth.require("fixity.run")
def fixity_restart(job_id):
    """Start a pass whose worker stopped again (or follow the pass already under way)."""
    found = _pass_or_404(job_id)
    if not FixityForm().validate_on_submit():
        abort(400)
    return redirect(url_for(".fixity_job", job_id=fixity.start_again(found).id), 303)
