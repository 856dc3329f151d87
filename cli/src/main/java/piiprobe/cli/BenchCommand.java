package piiprobe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import piiprobe.engine.UserError;
import piiprobe.engine.bench.GenerateBench;
import piiprobe.engine.kernel.Parallel;

import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code piiprobe bench}: generation throughput on random-weight models. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Measures generation throughput on random-weight models.",
        description = "Greedy generation throughput (prefill and decode tokens/s) on random-weight models: GPT-Neo-125M "
                + "(F32), a Pythia-160M-shaped GPT-NeoX and a small Llama (BF16), beside transformers 4.40's figures "
                + "on the reference machine. Threads: PIIPROBE_THREADS (default: every core). Takes a few minutes.",
        footerHeading = "%nExamples:%n",
        footer = {"  piiprobe bench --models gpt-neo-125m --runs 5", "  PIIPROBE_THREADS=1 piiprobe bench --smoke"})
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print {\"results\": [{model, dtype, batch, prompt_tokens, prefill_tok_per_s, decode_tok_per_s, ...}]}.")
    boolean json;

    @Option(names = "--runs", paramLabel = "N", defaultValue = "3", description = "Timed runs per setting, after a warm-up; medians are shown (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--models", paramLabel = "NAME", split = ",",
            description = "Only these models (gpt-neo-125m, pythia-160m, small-llama; with --smoke: gpt-neo-tiny, pythia-tiny, llama-tiny).")
    List<String> models;

    @Option(names = "--smoke", description = "Tiny models instead: checks the set-up in seconds; the figures mean nothing.")
    boolean smoke;

    /** Set in the JVM that a multi-model bench starts for each model. */
    @Option(names = "--in-process", hidden = true)
    boolean inProcess;

    @Override
    public Integer call() throws Exception {
        if (runs < 1) throw new UserError("--runs must be >= 1, got " + runs);
        PrintWriter err = spec.commandLine().getErr();
        List<GenerateBench.Case> cases = smoke ? GenerateBench.smoke() : GenerateBench.standard();
        if (models != null) {
            List<String> known = cases.stream().map(GenerateBench.Case::model).distinct().toList();
            for (String m : models)
                if (!known.contains(m)) throw new UserError("--models: no bench model '" + m + "'; there are " + String.join(", ", known));
            cases = cases.stream().filter(c -> models.contains(c.model())).toList();
        }
        List<String> benched = cases.stream().map(GenerateBench.Case::model).distinct().toList();
        List<GenerateBench.Result> results = benched.size() > 1 && !inProcess ? forked(cases, benched, err)
                : GenerateBench.run(cases, runs, line -> {
                    err.println("bench: " + line);
                    err.flush();
                });
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectMapper mapper = new ObjectMapper();
            ObjectNode root = mapper.createObjectNode();
            root.put("threads", Parallel.threads());
            ArrayNode list = root.putArray("results");
            for (var r : results) {
                var c = r.setting();
                list.addObject().put("model", c.model()).put("dtype", c.dtype().name()).put("batch", c.batch())
                        .put("prompt_tokens", c.promptTokens()).put("new_tokens", c.newTokens())
                        .put("prefill_tok_per_s", round(r.prefillTokPerS())).put("decode_tok_per_s", round(r.decodeTokPerS()))
                        .put("decode_loop_overhead_pct", round(r.loopOverheadPct())).put("runs", r.runs());
            }
            out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root));
        } else {
            out.println(String.format(Locale.ROOT, "%-14s %-5s %5s %7s %11s %11s %9s   %s",
                    "model", "dtype", "batch", "prompt", "prefill/s", "decode/s", "overhead", "transformers 4.40 prefill/s, decode/s"));
            for (var r : results) {
                var c = r.setting();
                String reference = Double.isNaN(c.referencePrefill()) ? ""
                        : String.format(Locale.ROOT, "%.0f, %.0f", c.referencePrefill(), c.referenceDecode());
                out.println(String.format(Locale.ROOT, "%-14s %-5s %5d %7d %11.1f %11.1f %8.1f%%   %s", c.model(), c.dtype(),
                        c.batch(), c.promptTokens(), r.prefillTokPerS(), r.decodeTokPerS(), r.loopOverheadPct(), reference));
            }
            out.println("tokens/s; " + Parallel.threads() + " threads; decode = batch × new tokens / (generation − prefill time); "
                    + "overhead = decode time outside the forward pass");
        }
        out.flush();
        return 0;
    }

    /**
     * Each model in a JVM of its own, as JMH forks: in one JVM the kernels the first model compiled are
     * profiled with its dtype and sizes, and the next model can get slower code (a BF16 model benched after
     * the F32 one decoded at half its speed alone), which no single-model run (an audit) would see.
     */
    private List<GenerateBench.Result> forked(List<GenerateBench.Case> cases, List<String> benched, PrintWriter err) throws Exception {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<GenerateBench.Result> results = new ArrayList<>();
        ObjectMapper mapper = new ObjectMapper();
        for (String model : benched) {
            List<String> command = new ArrayList<>(List.of(java));
            command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "bench", "--in-process",
                    "--json", "--runs", Integer.toString(runs), "--models", model));
            if (smoke) command.add("--smoke");
            Process child = new ProcessBuilder(command).start();
            // Ctrl-C on the bench stops the model's JVM too, instead of leaving it running unseen.
            Thread stopChild = new Thread(child::destroy);
            Runtime.getRuntime().addShutdownHook(stopChild);
            byte[] json;
            try {
                // The child's progress lines, without the JVM's notice that it repeats.
                Thread progress = Thread.ofVirtual().start(() -> child.errorReader(StandardCharsets.UTF_8).lines()
                        .filter(line -> !line.startsWith("WARNING: Using incubator modules")).forEach(line -> {
                            err.println(line);
                            err.flush();
                        }));
                json = child.getInputStream().readAllBytes();
                progress.join();
                if (child.waitFor() != 0) throw new IllegalStateException("the bench of " + model + " failed (exit " + child.exitValue() + ")");
            } finally {
                Runtime.getRuntime().removeShutdownHook(stopChild);
            }
            JsonNode out = mapper.readTree(json);
            for (JsonNode r : out.get("results")) {
                GenerateBench.Case c = cases.stream().filter(k -> k.model().equals(model) && k.batch() == r.get("batch").intValue()
                        && k.promptTokens() == r.get("prompt_tokens").intValue()).findFirst().orElseThrow();
                results.add(new GenerateBench.Result(c, r.get("runs").intValue(), r.get("prefill_tok_per_s").doubleValue(),
                        r.get("decode_tok_per_s").doubleValue(), r.get("decode_loop_overhead_pct").doubleValue()));
            }
        }
        return results;
    }

    private static double round(double x) {
        return Math.round(x * 10) / 10.0;
    }
}
