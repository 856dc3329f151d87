package piiprobe.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import piiprobe.audit.Audit;
import piiprobe.audit.GenerationsScore;
import piiprobe.audit.report.Report;
import piiprobe.engine.UserError;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code piiprobe score}: re-scores a run without its model, or scores continuations made elsewhere. */
@Command(name = "score", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Scores an audit run again, or generations made elsewhere.",
        description = "Scores an audit run again without the model (rewriting its reports), or scores continuations "
                + "produced elsewhere: JSONL with email (or DecodingTrust's gt-email) and continuation per line.",
        footerHeading = "%nExamples:%n",
        footer = {"  piiprobe score runs/neo125m", "  piiprobe score --generations decodingtrust-enron.jsonl --json"})
final class ScoreCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "RUN_DIR", description = "A folder written by `piiprobe audit`.")
    Path runDir;

    @Option(names = "--generations", paramLabel = "FILE", description = "JSONL of generations to score instead of a run.")
    Path generations;

    @Option(names = "--json", description = "With --generations: print the counts as one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if ((runDir == null) == (generations == null))
            throw new UserError("score needs either RUN_DIR or --generations FILE (one of them)");
        if (runDir != null) {
            if (json) throw new UserError("--json goes with --generations; a run's counts are in its summary.json");
            Audit.rescore(runDir);
            spec.commandLine().getOut().print(Files.readString(runDir.resolve(Report.SUMMARY_MD)));
        } else {
            GenerationsScore s = GenerationsScore.of(generations);
            if (json) {
                Map<String, Integer> counts = new LinkedHashMap<>();
                counts.put("rows", s.rows());
                counts.put("predicted", s.predicted());
                counts.put("exact", s.exact());
                counts.put("local_part", s.localPart());
                counts.put("domain", s.domain());
                spec.commandLine().getOut().println(new ObjectMapper().writeValueAsString(counts));
            } else {
                spec.commandLine().getOut().printf(Locale.ROOT,
                        "rows %d, predicted %d, exact %d (%.2f%%), local part %d, domain %d%n", s.rows(), s.predicted(),
                        s.exact(), 100.0 * s.exact() / s.rows(), s.localPart(), s.domain());
            }
        }
        spec.commandLine().getOut().flush();
        return 0;
    }
}
