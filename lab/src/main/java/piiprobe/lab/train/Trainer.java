package piiprobe.lab.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import piiprobe.engine.UserError;
import piiprobe.engine.checkpoint.Checkpoint;
import piiprobe.engine.checkpoint.SafeTensorsWriter;
import piiprobe.engine.kernel.AdamW;
import piiprobe.engine.kernel.SoftmaxCrossEntropy;
import piiprobe.engine.util.ProgressBar;
import piiprobe.engine.util.OwnerOnlyFiles;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Trains a {@link TrainableGpt2} on token windows for a fixed number of steps, writing into its
 * folder as it goes:
 * <ul>
 *   <li>{@value #LOSS_CSV}: one line per step (learning rate, loss, gradient norm, validation loss
 *       when measured, time, throughput), flushed at once;</li>
 *   <li>a resumable checkpoint of the whole training state (weights, AdamW moments, step) every
 *       {@link TrainConfig#checkpointSeconds()} and after the last step: a folder
 *       {@code train-state-STEP/} (config.json and model.safetensors, the moments under
 *       {@code optimizer.} names), committed by rewriting {@value #STATE_JSON} atomically.</li>
 * </ul>
 * Started again on the same folder with the same settings, a killed run resumes from its last
 * checkpoint and produces the same weights as an uninterrupted run: every step's batch follows
 * from the seed and the step number alone, and every kernel sums in a fixed order.
 */
public final class Trainer {
    public static final String LOSS_CSV = "loss.csv";
    public static final String STATE_JSON = "train-state.json";
    private static final String STATE_PREFIX = "train-state-";
    /** The columns the report's loss chart reads are step, loss and eval_loss (held-out loss, empty where not measured). */
    private static final String CSV_HEADER = "step,tokens,learning_rate,loss,grad_norm,eval_loss,seconds,tokens_per_second,gflops_per_second";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * What a run did in this process.
     *
     * @param steps          steps taken now (0 when the folder already held the finished run)
     * @param tokens         tokens trained on now
     * @param seconds        wall time of those steps
     * @param loss           loss of the last step
     * @param validationLoss the last validation loss, NaN if none was measured
     * @param flops          floating-point operations of those steps ({@link TrainableGpt2#trainingFlops})
     */
    public record Result(int steps, long tokens, double seconds, double loss, double validationLoss, double flops) {
        public double tokensPerSecond() {
            return seconds > 0 ? tokens / seconds : 0;
        }

        public double gflopsPerSecond() {
            return seconds > 0 ? flops / seconds / 1e9 : 0;
        }
    }

    private final TrainableGpt2 model;
    private final TrainConfig config;
    private final Objective objective;
    private final Batches data;
    private final int[] validation;
    private final Path dir;
    private final float[] m;
    private final float[] v;
    /** Training seconds before the checkpoint this run resumed from. */
    private double elapsedAtCheckpoint;

    /**
     * @param data       each step's examples
     * @param validation a held-out token stream for the validation loss, or null
     * @param dir        where the loss curve and checkpoints go (created if needed)
     */
    public Trainer(TrainableGpt2 model, TrainConfig config, Objective objective, Batches data, int[] validation, Path dir) {
        if (config.seq() > model.config().positions())
            throw new IllegalArgumentException("sequence length " + config.seq() + " exceeds n_positions " + model.config().positions());
        this.model = model;
        this.config = config;
        this.objective = objective;
        this.data = data;
        this.validation = validation != null && validation.length > config.seq() ? validation : null;
        this.dir = dir;
        this.m = new float[model.params().length];
        this.v = new float[model.params().length];
    }

    /**
     * Trains until step {@link TrainConfig#steps()}, resuming from the folder's checkpoint if it has
     * one (and saying so on {@code log}); the progress bar goes to stderr.
     */
    public Result run(PrintStream log) {
        return runUntil(config.steps(), log);
    }

    /** {@link #run}, but stops after step {@code lastStep} as a killed run would (tests of resuming). */
    Result runUntil(int lastStep, PrintStream log) {
        int step = resume();
        if (step > 0) log.println("train: resuming at step " + step + " of " + config.steps() + " from the checkpoint in " + dir);
        int seq = config.seq(), batch = config.batchSize();
        long tokensPerStep = config.tokensPerStep();
        int[] inputs = new int[batch * seq], targets = new int[batch * seq];
        float[] lse = new float[batch * seq], logprob = new float[batch * seq], weight = new float[batch * seq];
        double stepFlops = model.trainingFlops(batch, seq);
        double elapsedBefore = elapsedAtCheckpoint;
        long t0 = System.nanoTime(), lastCheckpoint = t0;
        int first = step;
        double loss = Double.NaN, validationLoss = Double.NaN;
        try (BufferedWriter csv = lossCurve(step);
             ProgressBar bar = new ProgressBar("train", "tokens", config.steps() * tokensPerStep, step * tokensPerStep)) {
            while (step < Math.min(lastStep, config.steps())) {
                long s0 = System.nanoTime();
                step++;
                data.fill(step, inputs, targets);
                model.zeroGrads();
                float[] logits = model.forward(inputs, batch);
                int vocab = model.config().vocabSize();
                SoftmaxCrossEntropy.logProbabilities(logits, batch * seq, vocab, targets, lse, logprob);
                loss = objective.weigh(inputs, logprob, targets, batch, seq, weight);
                if (!Double.isFinite(loss))
                    throw new UserError("training diverged at step " + step + " (loss " + loss + "): lower the learning rate");
                SoftmaxCrossEntropy.gradient(logits, batch * seq, vocab, targets, lse, weight);
                model.backward();
                double norm = Math.sqrt(AdamW.squaredNorm(model.grads(), 0, model.grads().length));
                float clip = config.gradClip() > 0 && norm > config.gradClip() ? (float) (config.gradClip() / norm) : 1f;
                float lr = config.learningRate(step);
                for (TrainableGpt2.Tensor t : model.tensors()) {
                    AdamW.Step s = new AdamW.Step(lr, config.beta1(), config.beta2(), config.eps(),
                            t.decay() ? config.weightDecay() : 0f, step, clip);
                    AdamW.update(model.params(), model.grads(), m, v, t.offset(), t.offset() + t.size(), s);
                }
                boolean evaluate = validation != null && config.evalEvery() > 0 && (step % config.evalEvery() == 0 || step == config.steps());
                if (evaluate) validationLoss = validationLoss(inputs, targets, lse, logprob, weight);
                long now = System.nanoTime();
                double stepSeconds = (now - s0) / 1e9;
                csv.write(String.format(Locale.ROOT, "%d,%d,%.6g,%.6f,%.6f,%s,%.3f,%.1f,%.2f%n", step, step * tokensPerStep, lr, loss, norm,
                        evaluate ? String.format(Locale.ROOT, "%.6f", validationLoss) : "",
                        elapsedBefore + (now - t0) / 1e9, tokensPerStep / stepSeconds, stepFlops / stepSeconds / 1e9));
                csv.flush();
                bar.advance(tokensPerStep);
                if (step == config.steps() || (now - lastCheckpoint) / 1e9 >= config.checkpointSeconds()) {
                    saveState(step, elapsedBefore + (System.nanoTime() - t0) / 1e9);
                    lastCheckpoint = System.nanoTime();
                }
            }
        } catch (IOException e) {
            throw new UserError("cannot write " + dir.resolve(LOSS_CSV) + ": " + e.getMessage(), e);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        int done = step - first;
        return new Result(done, done * tokensPerStep, seconds, loss, validationLoss, done * stepFlops);
    }

    /** Mean cross-entropy over one batch of held-out windows, spread evenly over the validation stream. */
    private double validationLoss(int[] inputs, int[] targets, float[] lse, float[] logprob, float[] weight) {
        int batch = config.batchSize(), seq = config.seq();
        TokenWindows.evenlySpread(validation, seq, batch, inputs, targets);
        float[] logits = model.forward(inputs, batch);
        SoftmaxCrossEntropy.logProbabilities(logits, batch * seq, model.config().vocabSize(), targets, lse, logprob);
        return new NextTokenLoss().weigh(inputs, logprob, targets, batch, seq, weight);
    }

    // ---- checkpoints ----

    /** Loads the folder's checkpoint, if any, into the model and the moments; returns its step (0 if none). */
    private int resume() {
        Path pointer = dir.resolve(STATE_JSON);
        if (!Files.exists(pointer)) return 0;
        JsonNode state;
        try {
            state = JSON.readTree(pointer.toFile());
        } catch (IOException e) {
            throw new UserError(pointer + " is unreadable (" + e.getMessage() + "); delete it to train from the start");
        }
        if (!asRead(config.toJson()).equals(state.get("train_config")) || !asRead(model.config().toJson()).equals(state.get("model_config")))
            throw new UserError(dir + " holds a training run with other settings (" + pointer.getFileName()
                    + "); use another output folder, or delete it to train from the start");
        Path folder = dir.resolve(state.get("folder").asText());
        try (Checkpoint ckpt = Checkpoint.open(folder)) {
            model.readFrom(ckpt, "", model.params());
            model.readFrom(ckpt, "optimizer.exp_avg.", m);
            model.readFrom(ckpt, "optimizer.exp_avg_sq.", v);
        }
        elapsedAtCheckpoint = state.get("elapsed_seconds").asDouble();
        return state.get("step").asInt();
    }

    /** The tree as reading its JSON back gives it (floats become doubles), for comparing with a file's. */
    private static JsonNode asRead(JsonNode tree) {
        try {
            return JSON.readTree(JSON.writeValueAsBytes(tree));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the state after {@code step} into a new folder, commits it in the pointer file, then removes older ones. */
    private void saveState(int step, double elapsed) {
        String name = STATE_PREFIX + step;
        Path folder = dir.resolve(name);
        model.saveConfig(folder);
        SafeTensorsWriter w = new SafeTensorsWriter();
        model.addTo(w, "", model.params());
        model.addTo(w, "optimizer.exp_avg.", m);
        model.addTo(w, "optimizer.exp_avg_sq.", v);
        w.write(folder.resolve("model.safetensors"));
        ObjectNode pointer = JSON.createObjectNode();
        pointer.put("step", step).put("folder", name).put("elapsed_seconds", elapsed);
        pointer.set("train_config", config.toJson());
        pointer.set("model_config", model.config().toJson());
        try {
            OwnerOnlyFiles.write(dir.resolve(STATE_JSON), JSON.writeValueAsBytes(pointer));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (Path old : stateFolders()) if (!old.getFileName().toString().equals(name)) deleteTree(old);
    }

    /** Removes the resumable state (the pointer first, then every state folder): for when the final model is safe. */
    public void discardState() {
        try {
            Files.deleteIfExists(dir.resolve(STATE_JSON));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (Path p : stateFolders()) deleteTree(p);
    }

    private List<Path> stateFolders() {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(STATE_PREFIX) && Files.isDirectory(p)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path folder) {
        try (Stream<Path> s = Files.walk(folder)) {
            for (Path p : s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Opens the loss curve for appending after {@code step}: a resumed run drops the lines of steps it will redo. */
    private BufferedWriter lossCurve(int step) throws IOException {
        Path file = dir.resolve(LOSS_CSV);
        List<String> kept = new ArrayList<>(List.of(CSV_HEADER));
        if (step > 0 && Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                int comma = line.indexOf(',');
                if (comma > 0 && Character.isDigit(line.charAt(0)) && Integer.parseInt(line.substring(0, comma)) <= step) kept.add(line);
            }
        }
        OwnerOnlyFiles.write(file, (String.join("\n", kept) + "\n").getBytes(StandardCharsets.UTF_8));
        return Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }
}
