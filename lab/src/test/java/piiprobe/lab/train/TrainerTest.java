package piiprobe.lab.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import piiprobe.engine.UserError;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The training loop: it learns, it is deterministic, it resumes exactly, and it guards its folder. */
class TrainerTest {
    private static final Gpt2Config MODEL = new Gpt2Config(37, 16, 32, 2, 4);

    /** A stream of one random 40-token text repeated: a model that memorizes it predicts every token. */
    private static int[] repeatedText(long seed, int copies) {
        Random rnd = new Random(seed);
        int[] text = new int[40];
        for (int i = 0; i < text.length; i++) text[i] = rnd.nextInt(MODEL.vocabSize() - 1);
        int[] stream = new int[text.length * copies];
        for (int c = 0; c < copies; c++) System.arraycopy(text, 0, stream, c * text.length, text.length);
        return stream;
    }

    private static TrainConfig config(int steps, int checkpointSeconds) {
        return new TrainConfig(steps, 4, 16, 1e-2f, 1e-3f, Math.min(5, steps), 0.1f, 0.9f, 0.95f, 1e-8f, 1f, 11, 10, checkpointSeconds);
    }

    private static Trainer trainer(Path dir, TrainConfig c, long initSeed) {
        return new Trainer(TrainableGpt2.initialized(MODEL, initSeed), c, new NextTokenLoss(), new TokenWindows(repeatedText(1, 30), c.seq(), c.seed()),
                repeatedText(1, 3), dir);
    }

    @Test
    void memorizesARepeatedTextAndWritesItsLossCurve(@TempDir Path dir) throws IOException {
        Trainer.Result r = trainer(dir, config(150, 3600), 5).run(System.err);
        assertEquals(150, r.steps());
        assertEquals(150L * 4 * 16, r.tokens());
        assertTrue(r.loss() < 0.05, "the text is memorized: last loss " + r.loss());
        // validation windows start elsewhere in the text, so their first tokens lack context: lower, not near 0
        assertTrue(r.validationLoss() < 1, "validation on the same text: " + r.validationLoss());
        List<String> lines = Files.readAllLines(dir.resolve(Trainer.LOSS_CSV));
        assertEquals(151, lines.size());
        assertTrue(lines.get(0).startsWith("step,tokens,learning_rate,loss,grad_norm,eval_loss"));
        double first = Double.parseDouble(lines.get(1).split(",")[3]);
        assertTrue(first > Math.log(MODEL.vocabSize()) - 0.5, "starts near a uniform guess: " + first);
        assertFalse(lines.get(9).split(",")[5].isEmpty() == lines.get(10).split(",")[5].isEmpty(), "validation every 10 steps");
        assertTrue(Files.exists(dir.resolve(Trainer.STATE_JSON)), "the last step is checkpointed");
    }

    @Test
    void theSameSeedGivesTheSameWeights(@TempDir Path dir) {
        Trainer a = trainer(dir.resolve("a"), config(12, 3600), 5), b = trainer(dir.resolve("b"), config(12, 3600), 5);
        a.run(System.err);
        b.run(System.err);
        assertArrayEquals(weights(dir.resolve("a")), weights(dir.resolve("b")));
    }

    @Test
    void aKilledRunResumesToTheSameWeightsAndCurve(@TempDir Path dir) throws IOException {
        TrainConfig c = config(20, 0);
        trainer(dir.resolve("whole"), c, 5).run(System.err);
        trainer(dir.resolve("killed"), c, 5).runUntil(13, System.err);
        // A line written after the last checkpoint, before the kill: the resumed run redoes that step.
        Files.writeString(dir.resolve("killed").resolve(Trainer.LOSS_CSV), "14,0,0,0,0,,0,0,0\n", java.nio.file.StandardOpenOption.APPEND);
        Trainer.Result resumed = trainer(dir.resolve("killed"), c, 999).run(System.err);  // other initial weights: the checkpoint's win
        assertEquals(7, resumed.steps());
        assertArrayEquals(weights(dir.resolve("whole")), weights(dir.resolve("killed")));
        assertEquals(curve(dir.resolve("whole")), curve(dir.resolve("killed")));
        assertEquals(0, trainer(dir.resolve("killed"), c, 5).run(System.err).steps(), "a finished run has nothing left to do");
    }

    @Test
    void anotherRunsFolderIsRefused(@TempDir Path dir) {
        trainer(dir, config(3, 0), 5).run(System.err);
        UserError e = assertThrows(UserError.class, () -> trainer(dir, config(4, 0), 5).run(System.err));
        assertTrue(e.getMessage().contains("holds a training run with other settings"), e.getMessage());
    }

    @Test
    void discardingTheStateLeavesTheCurve(@TempDir Path dir) throws IOException {
        Trainer t = trainer(dir, config(3, 0), 5);
        t.run(System.err);
        t.discardState();
        try (var files = Files.list(dir)) {
            assertEquals(List.of(Trainer.LOSS_CSV), files.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void scheduleWarmsUpThenDecaysToTheMinimum() {
        TrainConfig c = new TrainConfig(110, 1, 1, 1e-3f, 1e-4f, 10, 0, 0.9f, 0.95f, 1e-8f, 0, 1, 0, 60);
        assertEquals(1e-4f, c.learningRate(1), 1e-9);
        assertEquals(1e-3f, c.learningRate(10), 1e-9);
        assertEquals(5.5e-4f, c.learningRate(60), 1e-7);
        assertEquals(1e-4f, c.learningRate(110), 1e-9);
        for (int s = 11; s <= 110; s++) assertTrue(c.learningRate(s) <= c.learningRate(s - 1));
    }

    /** The weights of the folder's last checkpoint. */
    private static float[] weights(Path dir) {
        try (var files = Files.list(dir)) {
            Path state = files.filter(p -> p.getFileName().toString().startsWith("train-state-")).findFirst().orElseThrow();
            return TrainableGpt2.load(state).params();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The loss curve without its timing columns. */
    private static List<String> curve(Path dir) throws IOException {
        return Files.readAllLines(dir.resolve(Trainer.LOSS_CSV)).stream()
                .map(l -> String.join(",", Arrays.copyOf(l.split(",", -1), 6))).toList();
    }
}
