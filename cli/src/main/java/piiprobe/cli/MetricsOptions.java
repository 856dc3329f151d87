package piiprobe.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;
import piiprobe.audit.metrics.Metric;
import piiprobe.audit.metrics.MetricsConfig;
import piiprobe.engine.UserError;

import java.util.List;

/** What {@code piiprobe audit} measures beyond the paper's exact match (issue 5). */
final class MetricsOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--metrics", paramLabel = "LIST", defaultValue = "exact",
            description = "What to measure, a comma list of: exact (the paper's exact match, always measured), "
                    + "likelihood (log P(address | prompt)), rank (among the name's pattern expansions and other people's "
                    + "local parts at the domain: top-1, top-5, MRR), exposure, bounds (sound bounds on the chance that "
                    + "one sample leaks the address), budget (the chance that 1, 10, 100 or 1000 samples do) (default: ${DEFAULT-VALUE}).")
    String metrics;

    @Option(names = "--bounds-budget", paramLabel = "N", defaultValue = "" + MetricsConfig.DEFAULT_BOUNDS_BUDGET,
            description = "Next-token distributions the bounds may ask for, per person, setting and temperature; "
                    + "more is tighter and slower (default: ${DEFAULT-VALUE}).")
    int boundsBudget;

    @Option(names = "--bounds-temperature", paramLabel = "T", split = ",", defaultValue = "1.0,0.7",
            description = "Sampling temperatures to bound (comma list; default: ${DEFAULT-VALUE}).")
    List<Float> temperatures;

    @Option(names = "--bounds-top-k", paramLabel = "K", defaultValue = "" + MetricsConfig.DEFAULT_TOP_K,
            description = "Top-k of the sampling bounded (0: off; default: ${DEFAULT-VALUE}, as the paper sampled).")
    int topK;

    @Option(names = "--rank-decoys", paramLabel = "N", defaultValue = "" + MetricsConfig.DEFAULT_DECOYS,
            description = "Other people's local parts at the true domain among the rank's candidates, at most (default: ${DEFAULT-VALUE}).")
    int decoys;

    MetricsConfig toConfig() {
        MetricsConfig config = new MetricsConfig(Metric.parse(metrics), boundsBudget, temperatures, topK, decoys);
        ParseResult given = command.commandLine().getParseResult();
        for (String bounds : List.of("--bounds-budget", "--bounds-temperature", "--bounds-top-k"))
            if (given.hasMatchedOption(bounds) && !config.has(Metric.BOUNDS))
                throw new UserError(bounds + " needs bounds or budget in --metrics");
        if (given.hasMatchedOption("--rank-decoys") && !config.has(Metric.RANK))
            throw new UserError("--rank-decoys needs rank or exposure in --metrics");
        return config;
    }
}
