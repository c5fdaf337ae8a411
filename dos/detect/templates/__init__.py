"""Prometheus' alert templates: Go's text/template with Prometheus' functions.

Rule labels and annotations are templates over the alert's data: ``$labels``, ``$value``,
``$externalLabels``, ``$externalURL`` (and ``.Labels``, ``.Value``, ...). Supported are the
actions, control structures and variables of :mod:`~dos.detect.templates.parse`, and the
functions of :mod:`~dos.detect.templates.functions`: Prometheus' ``humanize``,
``humanize1024``, ``humanizeDuration``, ``humanizePercentage``, ``humanizeTimestamp``,
``toTime``, ``parseDuration``, ``printf``, ``title``, ``toUpper``, ``toLower``,
``reReplaceAll``, ``match``, ``query``, ``first``, ``label``, ``value``, ``strvalue``,
``sortByLabel``, ``args``, ``safeHtml``, ``stripPort``, ``stripDomain``, ``graphLink``,
``tableLink``, ``externalURL``, ``pathPrefix`` and Go's ``and``, ``or``, ``not``, ``eq``,
``ne``, ``lt``, ``le``, ``gt``, ``ge``, ``len``, ``index``, ``print``, ``println``,
``html`` and ``urlquery``.

What a template cannot use is refused when it is compiled (so when the rule file loads),
never expanded differently from Prometheus without saying so. As in Prometheus, a missing
label expands to the empty string, and an error while expanding yields
``<error expanding template: ...>`` (the wording after the colon is this engine's own).
"""

from __future__ import annotations

from dataclasses import dataclass

from dos.detect.templates.execute import Executor, TemplateData
from dos.detect.templates.functions import FUNCTIONS, UNSUPPORTED
from dos.detect.templates.parse import Node, TemplateError, parse
from dos.detect.templates.values import ExpansionError, QuerySample

__all__ = ["QuerySample", "Template", "TemplateData", "TemplateError", "compile_template"]


@dataclass(frozen=True, slots=True)
class Template:
    """A compiled template; :meth:`expand` renders it for one alert."""

    source: str
    nodes: tuple[Node, ...]

    def expand(self, data: TemplateData) -> str:
        """Render the template; an evaluation error renders as Prometheus renders it."""
        if all(isinstance(node, str) for node in self.nodes):
            return "".join(self.nodes)  # type: ignore[arg-type]  # all text, checked above
        try:
            return Executor(data).run(self.nodes)
        except ExpansionError as exc:
            return f"<error expanding template: {exc}>"


def compile_template(text: str) -> Template:
    """Compile ``text``, refusing any construct or function this engine does not support."""
    return Template(text, parse(text, FUNCTIONS, UNSUPPORTED))
