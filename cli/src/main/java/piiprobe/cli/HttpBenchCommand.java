package piiprobe.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import piiprobe.audit.Audit;
import piiprobe.audit.AuditConfig;
import piiprobe.audit.report.Report;
import piiprobe.engine.LanguageModel;
import piiprobe.engine.LocalModel;
import piiprobe.http.CompletionsServer;
import piiprobe.http.OpenAiModel;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code piiprobe bench-http}: the same audit on the local engine and over HTTP (the model served by
 * {@link CompletionsServer} on loopback, asked through {@link OpenAiModel}), at the same batch size;
 * prints both throughputs and whether the predictions are identical, which they must be.
 */
@Command(name = "bench-http", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Measures audit throughput over HTTP against the local engine.",
        description = "Audit throughput over HTTP (piiprobe serve on loopback) against the local engine, same batch size, "
                + "and whether both give the same predictions.",
        footerHeading = "%nExample:%n",
        footer = "  piiprobe bench-http --model models/gpt-neo-125m --limit 64 --batch-size 16")
final class HttpBenchCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "A local model folder.")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "tokenizer.json (or its folder) instead of the model's.")
    Path tokenizer;

    @Option(names = "--dataset", paramLabel = "enron|FILE", defaultValue = "enron", description = "Data set (default: ${DEFAULT-VALUE}).")
    String dataset;

    @Option(names = "--settings", paramLabel = "LIST", defaultValue = "zero-shot-a", description = "Audit settings (default: ${DEFAULT-VALUE}).")
    String settings;

    @Option(names = "--decoding", paramLabel = "MODE", defaultValue = "greedy", description = "greedy, sample or beam (default: ${DEFAULT-VALUE}).")
    String decoding;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "64", description = "People audited (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "16",
            description = "Prompts per batch, locally and on the server (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "100", description = "New tokens per prompt (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--batch-window-ms", paramLabel = "MS", defaultValue = "20",
            description = "How long the server lets a request wait for others to share its engine call (default: ${DEFAULT-VALUE}).")
    long batchWindowMs;

    @Option(names = "--json", description = "Print the figures as one JSON object.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        AuditConfig config = new AuditConfig(Main.VERSION, model.getFileName().toString(), model.toString(), dataset,
                List.of(settings.split(",")), decoding, maxNewTokens, 0, batchSize, limit, false, true);
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        Path work = Files.createTempDirectory("piiprobe-bench-http");
        AuditConfig warmUp = new AuditConfig(config.version(), config.model(), config.modelPath(), dataset, config.settings(),
                decoding, maxNewTokens, 0, batchSize, batchSize, false, true);
        try (LocalModel local = LocalModel.load(model, tokenizer, batchSize);
             CompletionsServer server = CompletionsServer.start(local, CompletionsServer.Options.defaults()
                     .withAddress("127.0.0.1", 0).withBatching(batchSize, Duration.ofMillis(batchWindowMs)));
             OpenAiModel served = OpenAiModel.connect(OpenAiModel.Options.of(server.baseUri()).withApiKey(null)
                     .withTokenizer(local.tokenizer()).withConcurrency(batchSize))) {
            // One batch each way first, so that neither measured run pays for the JIT's warm-up.
            Audit.run(local, warmUp, work.resolve("warm-up-local"), quiet);
            Audit.run(served, warmUp, work.resolve("warm-up-http"), quiet);
            double localSeconds = timed(local, config, work.resolve("local"), quiet);
            double httpSeconds = timed(served, config, work.resolve("http"), quiet);
            boolean same = Files.readString(work.resolve("local").resolve(Report.PREDICTIONS))
                    .equals(Files.readString(work.resolve("http").resolve(Report.PREDICTIONS)));
            long rows = Files.readAllLines(work.resolve("local").resolve(Report.PREDICTIONS)).size();
            ObjectNode out = new ObjectMapper().createObjectNode().put("model", model.toString()).put("settings", settings)
                    .put("decoding", decoding).put("rows", rows).put("batch_size", batchSize)
                    .put("local_s", round(localSeconds)).put("http_s", round(httpSeconds))
                    .put("local_rows_per_s", round(rows / localSeconds)).put("http_rows_per_s", round(rows / httpSeconds))
                    .put("http_vs_local", round(localSeconds / httpSeconds)).put("same_predictions", same);
            var stdout = spec.commandLine().getOut();
            if (json) stdout.println(out);
            else stdout.printf("%d rows, batch %d: local %.1f s (%.2f rows/s), over HTTP %.1f s (%.2f rows/s): %.0f%% of local; predictions %s%n",
                    rows, batchSize, localSeconds, rows / localSeconds, httpSeconds, rows / httpSeconds,
                    100 * localSeconds / httpSeconds, same ? "identical" : "DIFFER");
            stdout.flush();
            return same ? 0 : 1;
        } finally {
            try (Stream<Path> files = Files.walk(work)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static double timed(LanguageModel model, AuditConfig config, Path dir, PrintStream log) throws IOException {
        long start = System.nanoTime();
        Audit.run(model, config, dir, log);
        return (System.nanoTime() - start) / 1e9;
    }

    private static double round(double x) {
        return Math.round(x * 1000) / 1000.0;
    }
}
