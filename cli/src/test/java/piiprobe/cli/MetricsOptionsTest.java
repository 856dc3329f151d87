package piiprobe.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import piiprobe.audit.metrics.Metric;
import piiprobe.audit.metrics.MetricsConfig;
import piiprobe.engine.UserError;

import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MetricsOptionsTest {
    @Command(name = "audit")
    static final class Host {
        @Mixin
        MetricsOptions metrics;
    }

    private static MetricsConfig parse(String... args) {
        Host host = new Host();
        new CommandLine(host).parseArgs(args);
        return host.metrics.toConfig();
    }

    @Test
    void defaultsMeasureExactMatchOnly() {
        assertEquals(MetricsConfig.EXACT_ONLY, parse());
    }

    @Test
    void theIssuesCommandLine() {
        MetricsConfig c = parse("--metrics", "exact,likelihood,rank,exposure,budget,bounds", "--bounds-budget", "128",
                "--bounds-temperature", "0.7", "--bounds-top-k", "0", "--rank-decoys", "5");
        assertEquals(new MetricsConfig(EnumSet.allOf(Metric.class), 128, List.of(0.7f), 0, 5), c);
        assertEquals(List.of(1.0f, 0.7f), parse("--metrics", "bounds").temperatures());
    }

    @Test
    void optionsForMetricsNotAskedForAreMistakes() {
        assertEquals("--bounds-budget needs bounds or budget in --metrics",
                assertThrows(UserError.class, () -> parse("--metrics", "rank", "--bounds-budget", "9")).getMessage());
        assertEquals("--rank-decoys needs rank or exposure in --metrics",
                assertThrows(UserError.class, () -> parse("--rank-decoys", "9")).getMessage());
        assertEquals("--bounds-budget must be >= 1, got 0",
                assertThrows(UserError.class, () -> parse("--metrics", "budget", "--bounds-budget", "0")).getMessage());
    }
}
