"""``StackEditor(stack)``: the design canvas in a notebook. Palette on the left, canvas in the
middle, settings form on the right, problems and actions below; edits on the canvas change
``stack`` and edits of ``stack`` in other cells show up on the canvas."""
from __future__ import annotations

from ipywidgets import HBox, Layout, VBox

from stackerynb.widgets.actions import StackActions
from stackerynb.widgets.canvas import StackCanvas
from stackerynb.widgets.gestures import Gestures
from stackerynb.widgets.messages import MessageArea
from stackerynb.widgets.palette import Palette
from stackerynb.widgets.problems import ProblemsList
from stackerynb.widgets.settings_form import SettingsForm
from stackerynb.widgets.sync import GraphSync
from stackerynb.widgets.toolbar import CanvasToolbar

EDITOR_CLASS = "stackerynb-editor"


def _deploy_panel_factory():
    try:
        from stackerynb.widgets.deploy_panel import DeployPanel
    except ImportError:  # the deploy layer is not installed
        return None
    return DeployPanel


def _git_bar(stack):
    """The branch / "changed underneath" bar above the canvas (None if git support is missing)."""
    try:
        from stackerynb.widgets.git_bar import GitBar
    except ImportError:
        return None
    return GitBar(stack)


class StackEditor(VBox):
    """The stack editor for ``stack``; display it as a cell's last expression.

    ``git=False`` leaves out the git bar (branch, and a warning when the stack file changed
    underneath). Parts: ``sync`` and ``gestures`` (the logic, plain Python), ``canvas``,
    ``palette``, ``form``, ``problems``, ``messages``, ``toolbar``, ``actions`` and ``git_bar``.
    """

    def __init__(self, stack, *, height: str = "560px", git: bool = True, **kwargs):
        self.stack = stack
        self.sync = GraphSync(stack)
        self.gestures = Gestures(self.sync)
        self.canvas = StackCanvas(self.sync, self.gestures, height=height)
        self.palette = Palette(self.gestures)
        self.form = SettingsForm(self.gestures)
        self.problems = ProblemsList(self.sync)
        self.messages = MessageArea(self.gestures)
        self.toolbar = CanvasToolbar(self.gestures, fit=self.canvas.fit)
        self.actions = StackActions(self.gestures, deploy_panel_factory=_deploy_panel_factory())
        self.git_bar = _git_bar(stack) if git else None
        if self.git_bar is not None:  # saving clears the bar's "unsaved edits" marker
            self.actions.save_button.on_click(lambda _b: self.git_bar.refresh())
        top = HBox([self.toolbar, self.messages], layout=Layout(align_items="center"))
        middle = HBox([self.palette, self.canvas.widget, self.form],
                      layout=Layout(width="100%", align_items="flex-start"))
        # Everything whose height changes sits below the canvas: cytoscape caches where its
        # container is, so a canvas pushed down by a growing bar above would misplace clicks.
        parts = [top, middle, self.problems, self.actions]
        super().__init__(parts + ([self.git_bar] if self.git_bar is not None else []), **kwargs)
        self.add_class(EDITOR_CLASS)
        self._add_template_and_deployments()

    def _add_template_and_deployments(self) -> None:
        """The Template and Deployments panels beside Settings (``template_pane``,
        ``deployments_tab``); each works only while it is shown (compiling, reading history)."""
        from ipywidgets import Tab

        from stackerynb.widgets.deployments_tab import DeploymentsTab
        from stackerynb.widgets.template_pane import TemplatePane
        self.template_pane = TemplatePane(self.stack, environment=lambda: self.actions.environment.value,
                                          active=False)
        self.deployments_tab = DeploymentsTab(self.stack)
        self.actions.environment.observe(lambda _c: self.template_pane.active and self.template_pane.refresh(),
                                         "value")
        self.actions.deploy_button.on_click(lambda _b: self._follow_deploy())
        if hasattr(self, "add_panel"):  # the studio's side panel
            self.add_panel("Template", self.template_pane)
            self.add_panel("Deployments", self.deployments_tab)
            side = self.side
        else:
            side = Tab(children=[self.form, self.template_pane, self.deployments_tab],
                       layout=Layout(width="440px", flex="0 0 auto"))
            for i, title in enumerate(("Settings", "Template", "Deployments")):
                side.set_title(i, title)
            side.add_class("stackerynb-side")
            middle = self.children[1]
            middle.children = [side if child is self.form else child for child in middle.children]
            self.side = side

        def shown(_change=None):
            selected = side.children[side.selected_index] if side.selected_index is not None else None
            self.template_pane.active = selected is self.template_pane
            if selected is self.deployments_tab and not self.deployments_tab.loaded:
                self.deployments_tab.refresh()
        side.observe(shown, "selected_index")

    def _follow_deploy(self) -> None:
        """A deploy prepared from the action bar: the Deployments tab keeps its events and lists
        it once it ends (if the tab was read already)."""
        panel = self.actions.deploy_panel
        if panel is None:
            return
        self.deployments_tab.remember(panel.deployment)
        if self._refresh_deployments not in panel.finished:
            panel.finished.append(self._refresh_deployments)

    def _refresh_deployments(self, deployment) -> None:
        self.deployments_tab.remember(deployment)
        if self.deployments_tab.loaded:
            self.deployments_tab.refresh()

    def close(self) -> None:
        """Stop following the stack and close every widget of the editor."""
        self.sync.close()
        if self.git_bar is not None:
            self.git_bar.close()  # stops its polling too
        self.canvas.close()
        for child in self.children:
            _close_tree(child)
        super().close()

    def __repr__(self) -> str:
        return f"<StackEditor of {self.stack!r}>"


def _close_tree(widget) -> None:
    for child in getattr(widget, "children", ()):
        _close_tree(child)
    widget.close()
