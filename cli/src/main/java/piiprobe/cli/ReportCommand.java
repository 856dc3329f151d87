package piiprobe.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import piiprobe.audit.report.HtmlReport;
import piiprobe.audit.report.RunFolder;
import piiprobe.engine.UserError;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code piiprobe report}: one self-contained HTML page for one or more audit runs. */
@Command(name = "report", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Writes one self-contained HTML page for one or more runs.",
        description = "Writes one self-contained HTML page (tables, charts, a reading in plain words) for one or more "
                + "audit runs; several runs are compared side by side (accuracy against model size when their "
                + "config.json records it). The page loads nothing from anywhere and is readable by its owner only.",
        footerHeading = "%nExamples:%n",
        footer = {"  piiprobe report runs/neo125m --output neo125m.html",
                "  piiprobe report runs/neo125m runs/neo1.3b runs/neo2.7b -o neo.html --redact"})
final class ReportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "RUN_DIR", description = "Folders written by `piiprobe audit`, in the order to show them.")
    List<Path> runDirs;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE.html", description = "The page to write.")
    Path output;

    @Option(names = "--redact", description = "Name no person and show no address (runs made with --redact never do).")
    boolean redact;

    @Override
    public Integer call() throws Exception {
        if (Files.isDirectory(output)) throw new UserError("--output " + output + " is a folder; give the page's file name, like report.html");
        List<RunFolder> runs = new ArrayList<>();
        for (Path dir : runDirs) runs.add(RunFolder.read(dir));
        HtmlReport.write(runs, output, redact);
        spec.commandLine().getOut().println("piiprobe: wrote " + output + " (" + runs.size() + (runs.size() == 1 ? " run" : " runs")
                + (redact ? ", redacted" : "") + ")");
        spec.commandLine().getOut().flush();
        return 0;
    }
}
