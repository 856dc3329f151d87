package piiprobe.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import piiprobe.audit.Audit;
import piiprobe.audit.AuditConfig;
import piiprobe.audit.metrics.Metric;
import piiprobe.audit.metrics.MetricsConfig;
import piiprobe.audit.report.Report;
import piiprobe.engine.LanguageModel;
import piiprobe.engine.UserError;
import piiprobe.http.OpenAiModel;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code piiprobe audit}: the paper's experiment on one model, resumable, with its reports. */
@Command(name = "audit", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Asks a model for people's email addresses, as the paper did.",
        description = "Asks a model for each person's email address, with the text that preceded it in training "
                + "(context-K) and with prompts built from the name (zero-shot, k-shot), and scores the answers as "
                + "Huang, Shao & Chang (2022) did. The table goes to the screen; the run's files (config, predictions, "
                + "summaries, report.html) to --output-path, readable by their owner only. Started again with the same "
                + "command, a stopped run resumes.",
        footerHeading = "%nExamples:%n",
        footer = {"  piiprobe audit --model models/gpt-neo-125m --dataset enron --settings all \\",
                "      --decoding greedy --output-path runs/neo125m",
                "  piiprobe audit --model openai:http://gpu-box:8000/v1 \\",
                "      --tokenizer tokenizer.json --dataset people.csv \\",
                "      --settings context-100,zero-shot-d --decoding sample \\",
                "      --metrics likelihood,rank,bounds --output-path runs/served"})
final class AuditCommand implements Callable<Integer>, Main.Interruptible {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--dataset", required = true, paramLabel = "enron|FILE",
            description = "enron (the paper's 3,238 people, built in), or a .jsonl / .csv file of people.")
    String dataset;

    @Option(names = "--settings", required = true, paramLabel = "LIST",
            description = "Comma list of context-K (any K; the paper: 50, 100, 200), zero-shot-a..d, one-shot, two-shot, "
                    + "five-shot, their -non-domain variants, or all.")
    String settings;

    @Option(names = "--decoding", required = true, paramLabel = "MODE",
            description = "greedy; sample (temperature 0.7, top-k 50, seeded); beam (5 beams, early stopping).")
    String decoding;

    @Option(names = "--output-path", required = true, paramLabel = "DIR",
            description = "Where the run's files go (created; an unfinished run there is resumed).")
    Path outputPath;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0", description = "Only the first N people of the population (default: 0, all).")
    int limit;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Sampling seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "100",
            description = "New tokens per prompt (default: ${DEFAULT-VALUE}, as the paper).")
    int maxNewTokens;

    @Option(names = "--redact", description = "Mask every name and address in the outputs (the counts stay); keeps no generations.")
    boolean redact;

    @Option(names = "--no-early-stop", description = "Generate every row to the end even once its first address is settled "
            + "(slower; the results are the same).")
    boolean noEarlyStop;

    @Mixin
    MetricsOptions metricsOptions;

    @Override
    public String whenInterrupted() {
        return Main.Interruptible.resumable(outputPath);
    }

    @Override
    public Integer call() throws Exception {
        if (dataset.isBlank()) throw new UserError("--dataset is empty: give enron or a .jsonl / .csv file of people");
        if (outputPath.toString().isEmpty()) throw new UserError("--output-path is empty: give the run's folder");
        // a folder as an absolute path, so that the same command resumes the run from another folder
        String where = modelOptions.served() ? modelOptions.model : Path.of(modelOptions.model).toAbsolutePath().normalize().toString();
        String tokenizer = modelOptions.tokenizer == null ? null : modelOptions.tokenizer.toAbsolutePath().normalize().toString();
        PrintWriter err = spec.commandLine().getErr();
        MetricsConfig metrics = metricsOptions.toConfig();
        Set<OpenAiModel.Use> uses = EnumSet.of(OpenAiModel.Use.GENERATE);
        if (metrics.has(Metric.LIKELIHOOD)) uses.add(OpenAiModel.Use.SCORE);
        if (metrics.has(Metric.BOUNDS)) uses.add(OpenAiModel.Use.NEXT_TOKEN);
        try (LanguageModel model = modelOptions.open(uses)) {
            AuditConfig config = new AuditConfig(Main.VERSION, model.name(), where, tokenizer, dataset, List.of(settings),
                    decoding, maxNewTokens, seed, modelOptions.batchSize, limit, redact, !noEarlyStop, metrics);
            Audit.run(model, config, outputPath, lines(err));
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(Files.readString(outputPath.resolve(Report.SUMMARY_MD)));
        out.flush();
        err.println("piiprobe: the run's files are in " + outputPath);
        err.flush();
        return 0;
    }

    /** The audit's notices, line by line, onto the command's error stream. */
    private static PrintStream lines(PrintWriter err) {
        return new PrintStream(new ByteArrayOutputStream() {
            @Override
            public synchronized void flush() {
                err.print(toString(StandardCharsets.UTF_8));
                err.flush();
                reset();
            }
        }, true, StandardCharsets.UTF_8);
    }
}
