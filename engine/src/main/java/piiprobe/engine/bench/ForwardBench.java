package piiprobe.engine.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import piiprobe.engine.checkpoint.Checkpoint;
import piiprobe.engine.checkpoint.DType;
import piiprobe.engine.checkpoint.TensorRef;
import piiprobe.engine.kernel.PackedMatrix;
import piiprobe.engine.kernel.Parallel;
import piiprobe.engine.model.Architectures;
import piiprobe.engine.model.KvCache;
import piiprobe.engine.model.RandomCheckpoint;
import piiprobe.engine.model.Transformer;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Times the forward pass alone (no tokenizer, no sampling beyond an argmax) on a random-weight
 * model: prefill of batch × prompt tokens with the LM head on each row's last slot only, then
 * greedy decode steps with the KV cache, the LM head over every row. Prints one line per setting.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp CLASSPATH \
 *      piiprobe.engine.bench.ForwardBench [--model gpt-neo-125m|pythia-160m|small-llama] [--dtype F32|F16|BF16]
 *      [--batch 16] [--prompt 200] [--new 100] [--runs 3] [--dir DIR] [--gemm]
 * </pre>
 * Threads: PIIPROBE_THREADS. {@code --dir} keeps the generated checkpoint for later runs.
 */
public final class ForwardBench {
    private ForwardBench() {}

    public static void main(String[] args) throws IOException {
        String model = "gpt-neo-125m";
        DType dtype = DType.F32;
        int batch = 16, prompt = 200, steps = 100, runs = 3;
        Path dir = null;
        boolean gemm = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--model" -> model = args[++i];
                case "--dtype" -> dtype = DType.valueOf(args[++i]);
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--prompt" -> prompt = Integer.parseInt(args[++i]);
                case "--new" -> steps = Integer.parseInt(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--dir" -> dir = Path.of(args[++i]);
                case "--gemm" -> gemm = true;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        System.out.printf(Locale.ROOT, "threads %d, vector %d bits%n", Parallel.threads(), jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize());
        if (gemm) {
            gemm();
            return;
        }
        ObjectNode config = switch (model) {
            case "gpt-neo-125m" -> RandomCheckpoint.gptNeo125m();
            case "pythia-160m" -> RandomCheckpoint.pythia160m();
            case "small-llama" -> RandomCheckpoint.smallLlama();
            default -> throw new IllegalArgumentException("unknown model " + model);
        };
        if (dir == null) dir = Files.createTempDirectory("piiprobe-bench-");
        if (!Files.exists(dir.resolve("model.safetensors"))) {
            long t0 = System.nanoTime();
            RandomCheckpoint.write(dir, config, dtype, 42, 0.02);
            System.out.printf(Locale.ROOT, "wrote %s %s in %.1f s to %s%n", model, dtype, secs(t0), dir);
            System.gc();
        }
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            long t0 = System.nanoTime();
            try (Transformer m = Architectures.load(ckpt)) {
                System.out.printf(Locale.ROOT, "loaded and packed in %.2f s%n", secs(t0));
                run(m, batch, Math.min(prompt, 16), 4); // JIT warm-up
                double[] prefill = new double[runs], decode = new double[runs];
                for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) p.resetPeakUsage();
                for (int r = 0; r < runs; r++) {
                    double[] t = run(m, batch, prompt, steps);
                    prefill[r] = batch * prompt / t[0];
                    decode[r] = batch * steps / t[1];
                }
                long peak = 0;
                for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans())
                    if (p.getType() == MemoryType.HEAP) peak += p.getPeakUsage().getUsed();
                Arrays.sort(prefill);
                Arrays.sort(decode);
                System.out.printf(Locale.ROOT, "{\"model\": \"%s\", \"dtype\": \"%s\", \"batch\": %d, \"prompt_tokens\": %d, \"new_tokens\": %d, "
                                + "\"prefill_tok_per_s\": %.1f, \"decode_tok_per_s\": %.1f, \"prefill_runs\": %s, \"decode_runs\": %s, \"heap_peak_mib\": %d}%n",
                        model, dtype, batch, prompt, steps, prefill[runs / 2], decode[runs / 2], fmt(prefill), fmt(decode), peak >> 20);
            }
        }
    }

    /** One prefill then {@code steps} greedy decode steps; returns their seconds. */
    private static double[] run(Transformer m, int batch, int prompt, int steps) {
        SplittableRandom rnd = new SplittableRandom(7);
        int[] tokens = new int[batch * prompt], positions = new int[batch * prompt];
        boolean[] real = new boolean[batch * prompt];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = rnd.nextInt(m.vocabSize());
            positions[i] = i % prompt;
            real[i] = true;
        }
        int[] last = new int[batch];
        for (int r = 0; r < batch; r++) last[r] = r * prompt + prompt - 1;
        KvCache cache = m.newCache(batch, prompt + steps);
        long t0 = System.nanoTime();
        float[][] logits = m.forward(cache, prompt, tokens, positions, real, last);
        double prefill = secs(t0);
        int[] rows = new int[batch], next = new int[batch], pos = new int[batch];
        boolean[] all = new boolean[batch];
        Arrays.fill(all, true);
        for (int r = 0; r < batch; r++) rows[r] = r;
        t0 = System.nanoTime();
        for (int s = 0; s < steps; s++) {
            for (int r = 0; r < batch; r++) {
                next[r] = argmax(logits[r]);
                pos[r] = prompt + s;
            }
            logits = m.forward(cache, 1, next, pos, all, rows);
        }
        return new double[] {prefill, secs(t0)};
    }

    /** GFLOP/s of the packed GEMM on GPT-Neo-125M's MLP shape, at decode and prefill row counts. */
    private static void gemm() {
        int in = 768, out = 3072;
        for (DType dtype : List.of(DType.F32, DType.BF16)) {
            try (Arena arena = Arena.ofShared()) {
                MemorySegment seg = arena.allocate((long) in * out * dtype.bytes());
                SplittableRandom rnd = new SplittableRandom(1);
                for (long i = 0; i < (long) in * out; i++) {
                    float v = (float) rnd.nextGaussian();
                    if (dtype == DType.F32) seg.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, v);
                    else seg.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, (short) (Float.floatToRawIntBits(v) >>> 16));
                }
                TensorRef t = new TensorRef("w", dtype, new long[] {out, in}, seg, Path.of("memory"));
                PackedMatrix w = PackedMatrix.pack(arena, List.of(new PackedMatrix.Part(t, true)));
                for (int rows : new int[] {1, 16, 3200}) {
                    float[] x = new float[rows * in], y = new float[rows * out];
                    Arrays.fill(x, 0.5f);
                    int reps = Math.max(3, (int) (2e10 / (2.0 * rows * in * out)));
                    for (int i = 0; i < Math.min(reps, 20); i++) w.multiply(x, rows, null, y);
                    long t0 = System.nanoTime();
                    for (int i = 0; i < reps; i++) w.multiply(x, rows, null, y);
                    double s = secs(t0) / reps;
                    System.out.printf(Locale.ROOT, "gemm %s %dx%dx%d: %.1f GFLOP/s, %.1f GB/s of weights%n", dtype, rows, in, out,
                            2.0 * rows * in * out / s / 1e9, (double) w.bytes() / s / 1e9);
                }
            }
        }
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    private static double secs(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static String fmt(double[] v) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) sb.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.1f", v[i]));
        return sb.append(']').toString();
    }
}
