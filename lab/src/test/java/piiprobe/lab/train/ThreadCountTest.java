package piiprobe.lab.train;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Training gives the same weights, bit for bit, whatever the number of kernel threads: every kernel
 * splits its work into pieces of a fixed size and each sum runs in one order. The thread count is
 * fixed once per JVM, so each count trains in a JVM of its own ({@link #main}).
 */
class ThreadCountTest {
    @Test
    void oneTwoAndThreeThreadsTrainTheSameWeights() throws Exception {
        List<String> hashes = new ArrayList<>();
        for (int threads : new int[] {1, 2, 3}) hashes.add(trainIn(threads));
        assertEquals(hashes.get(0), hashes.get(1), "1 vs 2 threads");
        assertEquals(hashes.get(0), hashes.get(2), "1 vs 3 threads");
    }

    private static String trainIn(int threads) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "--add-modules", "jdk.incubator.vector", "-Dpiiprobe.threads=" + threads,
                "-cp", System.getProperty("java.class.path"), ThreadCountTest.class.getName())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.waitFor(), "training with " + threads + " threads: " + out);
        return out;
    }

    /** Trains a small model for 12 steps and prints the SHA-256 of its weights. */
    public static void main(String[] args) throws IOException, NoSuchAlgorithmException {
        Gpt2Config c = new Gpt2Config(300, 96, 128, 2, 4);
        int[] stream = new int[20_000];
        Random rnd = new Random(3);
        for (int i = 0; i < stream.length; i++) stream[i] = rnd.nextInt(i % 7 == 0 ? 300 : 40);
        TrainableGpt2 model = TrainableGpt2.initialized(c, 5);
        Path dir = Files.createTempDirectory("piiprobe-threads");
        Trainer trainer = new Trainer(model, new TrainConfig(12, 6, 96, 3e-3f, 3e-4f, 2, 0.1f, 0.9f, 0.95f, 1e-8f, 0.5f, 7, 5, 3600),
                new NextTokenLoss(), new TokenWindows(stream, 96, 7), stream, dir);
        trainer.run(System.err);
        trainer.discardState();
        Files.delete(dir.resolve(Trainer.LOSS_CSV));
        Files.delete(dir);
        ByteBuffer b = ByteBuffer.allocate(4 * model.params().length);
        for (float f : model.params()) b.putFloat(f);
        System.out.println(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.array())));
    }
}
