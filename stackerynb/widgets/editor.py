"""``StackEditor(stack)``: the design canvas in a notebook. Toolbar on top, palette on the left,
the canvas taking the rest of the width, the side panel (tabs: Settings, and whatever other
panels are added with ``add_panel``) below it inline or beside it in the studio tab, problems
and actions below; edits on the canvas change ``stack`` and edits of ``stack`` in other cells
show up on the canvas. ``editor.open()`` moves the editor into its own JupyterLab tab."""
from __future__ import annotations

from ipywidgets import HTML, HBox, Layout, Tab, VBox

from stackerynb.widgets.actions import StackActions
from stackerynb.widgets.canvas import StackCanvas
from stackerynb.widgets.gestures import Gestures
from stackerynb.widgets.messages import MessageArea
from stackerynb.widgets.palette import Palette
from stackerynb.widgets.problems import ProblemsList
from stackerynb.widgets.settings_form import SettingsForm
from stackerynb.widgets.style import THEME_CSS
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

    def __init__(self, stack, *, height: str = "560px", git: bool = True, side: str = "below",
                 **kwargs):
        self.stack = stack
        self._height = height
        self.sync = GraphSync(stack)
        self.gestures = Gestures(self.sync)
        self.canvas = StackCanvas(self.sync, self.gestures, height=height)
        self.palette = Palette(self.gestures)
        self.form = SettingsForm(self.gestures)
        self.problems = ProblemsList(self.sync)
        self.messages = MessageArea(self.gestures)
        self.toolbar = CanvasToolbar(self.gestures, fit=self.canvas.fit, zoom_in=self.canvas.zoom_in,
                                     zoom_out=self.canvas.zoom_out)
        self.actions = StackActions(self.gestures, deploy_panel_factory=_deploy_panel_factory())
        self.git_bar = _git_bar(stack) if git else None
        if self.git_bar is not None:  # saving clears the bar's "unsaved edits" marker
            self.actions.save_button.on_click(lambda _b: self.git_bar.refresh())
        top = HBox([self.toolbar], layout=Layout(align_items="center", flex_flow="row wrap"))
        self.palette.layout.flex = "0 0 auto"
        self.canvas.widget.layout.width = "100%"
        self.messages.layout.margin = "4px 0 0 0"
        # the canvas with what it says below it (a message's height must not move the canvas)
        stage = VBox([self.canvas.widget, self.messages], layout=Layout(flex="1 1 360px", min_width="300px"))
        # The side panel: tabs, so other panels (template, deployments) join with add_panel.
        self._side_place = side
        self.side = Tab(children=[self.form], layout=Layout(min_width="300px", overflow="auto"))
        self.side.set_title(0, "Settings")
        self.side.add_class("stackerynb-side")
        middle = HBox([self.palette, stage, self.side],
                      layout=Layout(width="100%", align_items="flex-start", flex_flow="row wrap"))
        self.theme = HTML(f"<style>{THEME_CSS}</style>", layout=Layout(height="0px", margin="0"))
        # Everything whose height changes sits below the canvas: cytoscape caches where its
        # container is, so a canvas pushed down by a growing bar above would misplace clicks.
        parts = [self.theme, top, middle, self.problems, self.actions]
        self._parts = parts + ([self.git_bar] if self.git_bar is not None else [])
        self._arrange(height, side)
        self.studio = None  # the Studio this editor is shown in, while it is open
        self._placeholder = None
        super().__init__(self._parts, **kwargs)
        self.add_class(EDITOR_CLASS)
        self._add_template_and_deployments()

    def _arrange(self, height: str, side: str) -> None:
        """Size the canvas and put the side panel below it (inline) or beside it (studio)."""
        self.canvas.resize_to(height)
        self.palette.layout.max_height = height
        self.side.layout.flex = "1 1 100%" if side == "below" else "0 1 420px"
        self.side.layout.max_height = None if side == "below" else height

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

    def add_panel(self, title: str, widget) -> None:
        """Add a tab to the side panel (beside Settings)."""
        self.side.children = [*self.side.children, widget]
        self.side.set_title(len(self.side.children) - 1, title)

    def open(self, title: str | None = None):
        """Open the editor in a studio of its own: a JupyterLab main-area tab, full size. The
        editor moves there (same canvas, selection and history; inline, a note with a button
        brings it back) rather than being built a second time: with 500 nodes a second editor
        is some 1,300 widgets and seconds of waiting. Returns the
        :class:`~stackerynb.widgets.studio.Studio` (``close()`` brings the editor back)."""
        if self.comm is None:  # ipywidgets opens a widget's comm with open() while it is made
            return super().open()
        from stackerynb.widgets.studio import Studio
        if self.studio is not None:  # open already (its tab may have been closed by hand)
            self.studio.close()
        self.studio = Studio(self.stack, title=title, editor=self).open()
        return self.studio

    def _move_out(self, height: str) -> list:
        """Hand the editor's parts over to the studio tab (sized for it); a note stays inline."""
        from ipywidgets import Button
        if self._placeholder is None:
            back = Button(description="Show the editor here", icon="arrow-down")
            back.on_click(lambda _b: self.studio is not None and self.studio.close())
            self._placeholder = HBox([HTML(f"<i>{self.stack.name} is open in its studio tab.</i>"), back],
                                     layout=Layout(align_items="center"))
        self.children = [self._placeholder]  # first: the parts leave this view before showing there
        self._arrange(height, "right")
        self.canvas.forget_view()
        return list(self._parts)

    def _move_back(self) -> None:
        """The studio closed: the parts come back inline."""
        self.studio = None
        self._arrange(self._height, self._side_place)
        self.canvas.forget_view()
        self.children = list(self._parts)

    def close(self) -> None:
        """Stop following the stack and close every widget of the editor (and its studio)."""
        if self.studio is not None:
            self.studio.close()
        self.sync.close()
        if self.git_bar is not None:
            self.git_bar.close()  # stops its polling too
        self.canvas.close()
        for child in [*self._parts, *([self._placeholder] if self._placeholder is not None else [])]:
            _close_tree(child)
        super().close()

    def __repr__(self) -> str:
        return f"<StackEditor of {self.stack!r}>"


def _close_tree(widget) -> None:
    for child in getattr(widget, "children", ()):
        _close_tree(child)
    widget.close()
