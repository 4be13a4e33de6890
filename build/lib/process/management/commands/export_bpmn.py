"""Write the case flow as BPMN 2.0 XML (or SVG with --svg) on standard output."""

from django.core.management.base import BaseCommand, CommandError
from viewflow.workflow import chart

from fgdm.models import Case
from process.bpmn import flow_to_bpmn
from process.flows import CaseFlow


class Command(BaseCommand):
    help = "Export the case flow as BPMN 2.0 XML on standard output; --svg for the picture."

    def add_arguments(self, parser):
        parser.add_argument("--svg", action="store_true", help="Draw the map as SVG instead of BPMN XML")
        parser.add_argument("--case", help="Mark where this case (reference) stands on the map")

    def handle(self, *args, svg=False, case=None, **options):
        process_pk = None
        if case:
            try:
                process_pk = Case.objects.get(reference=case).process_id
            except Case.DoesNotExist:
                raise CommandError(f"No case with reference {case}.")
        if svg:
            grid = chart.calc_layout_data(CaseFlow)
            if process_pk is not None:
                chart.calc_cell_status(CaseFlow, grid, process_pk)
            self.stdout.write(chart.grid_to_svg(grid))
            return
        statuses = {}
        if process_pk is not None:
            grid = chart.calc_layout_data(CaseFlow)
            chart.calc_cell_status(CaseFlow, grid, process_pk)
            statuses = {cell.node.name: cell.status for cell in grid.cells if cell.status}
        self.stdout.write(flow_to_bpmn(CaseFlow, statuses=statuses), ending="")
