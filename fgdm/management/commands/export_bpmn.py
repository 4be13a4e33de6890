"""Write the case flow as BPMN 2.0 XML (or SVG with --svg) on standard output."""
from django.core.management.base import BaseCommand, CommandError
from viewflow.workflow import chart

from fgdm.flows import CaseFlow
from fgdm.models import Case


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
        else:
            grid = chart.calc_layout_data(CaseFlow, edge_start_gap_size=0, edge_end_gap_size=0)
        if process_pk is not None:
            chart.calc_cell_status(CaseFlow, grid, process_pk)
        self.stdout.write(chart.grid_to_svg(grid) if svg else chart.grid_to_bpmn(grid))
