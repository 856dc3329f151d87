package piiprobe.lab.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import piiprobe.engine.UserError;
import piiprobe.engine.checkpoint.Checkpoint;
import piiprobe.engine.checkpoint.HfConfig;
import piiprobe.engine.checkpoint.TensorRef;
import piiprobe.engine.model.Architectures;
import piiprobe.engine.model.Transformer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The trainer's model against transformers and the engine: its forward pass reproduces transformers'
 * logits on the golden GPT-2 (saved by transformers 4.40.2's save_pretrained), the folders it writes
 * have exactly that checkpoint's tensor names, shapes and config keys, and the engine's GPT-2 run on
 * a folder it wrote gives its logits.
 */
class Gpt2CheckpointTest {
    private static final Path GOLDEN = Path.of("../engine/src/test/resources/golden/gpt2");

    @Test
    void forwardReproducesTransformersOnTheGoldenGpt2() throws IOException {
        TrainableGpt2 model = TrainableGpt2.load(GOLDEN);
        JsonNode golden = new ObjectMapper().readTree(GOLDEN.resolve("golden.json").toFile());
        JsonNode ids = golden.get("texts").get(2).get("ids");
        int[] tokens = new int[ids.size()];
        for (int i = 0; i < tokens.length; i++) tokens[i] = ids.get(i).intValue();
        float[] logits = model.forward(tokens, 1);
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(GOLDEN.resolve("last_logits_text2.f32"))).order(ByteOrder.LITTLE_ENDIAN);
        int vocab = model.config().vocabSize(), last = (tokens.length - 1) * vocab;
        double worst = 0;
        for (int v = 0; v < vocab; v++) worst = Math.max(worst, Math.abs(logits[last + v] - b.getFloat(4 * v)));
        System.out.printf("trainer vs transformers, golden gpt2 text 2, last position: max |Δlogit| %.2g%n", worst);
        assertTrue(worst < 2e-4, "all " + vocab + " logits at the last of " + tokens.length + " tokens within the golden README's 2e-4: " + worst);
        JsonNode argmax = golden.get("single").get(2).get("argmax");
        for (int t = 0; t < tokens.length; t++) assertEquals(argmax.get(t).intValue(), argmax(logits, t * vocab, vocab), "argmax at " + t);
    }

    @Test
    void savedFolderHasTransformersNamesShapesAndConfigKeys(@TempDir Path dir) throws IOException {
        Gpt2Config c = new Gpt2Config(50, 32, 16, 3, 4);
        TrainableGpt2.initialized(c, 3).save(dir);
        try (Checkpoint ours = Checkpoint.open(dir); Checkpoint theirs = Checkpoint.open(GOLDEN)) {
            assertEquals(new TreeSet<>(theirs.names()), new TreeSet<>(ours.names()), "the same tensors (3 layers each), no lm_head");
            HfConfig hc = theirs.config();
            int scale = hc.getInt("n_embd") / c.embd();
            for (String name : ours.names()) {
                long[] shape = ours.tensor(name).shape(), reference = theirs.tensor(name).shape().clone();
                if (name.endsWith("wte.weight")) reference[0] = c.vocabSize();
                if (name.endsWith("wpe.weight")) reference[0] = c.positions();
                for (int i = 0; i < reference.length; i++) if (!(i == 0 && name.matches(".*w[tp]e.weight"))) reference[i] /= scale;
                assertArrayEquals(reference, shape, name);
                assertEquals("F32", ours.tensor(name).dtype().name(), name);
            }
        }
        ObjectMapper json = new ObjectMapper();
        assertEquals(keys(json.readTree(GOLDEN.resolve("config.json").toFile())), keys(json.readTree(dir.resolve("config.json").toFile())));
        assertEquals(keys(json.readTree(GOLDEN.resolve("generation_config.json").toFile())),
                keys(json.readTree(dir.resolve("generation_config.json").toFile())));
        JsonNode config = json.readTree(dir.resolve("config.json").toFile());
        assertEquals("gpt2", config.get("model_type").asText());
        assertEquals(49, config.get("eos_token_id").asInt());
        assertEquals(16, config.get("n_embd").asInt());
    }

    @Test
    void saveThenLoadKeepsEveryWeight(@TempDir Path dir) {
        TrainableGpt2 m = GradientCheckTest.randomModel(new Gpt2Config(21, 8, 12, 2, 3), 4);
        m.save(dir);
        TrainableGpt2 back = TrainableGpt2.load(dir);
        assertEquals(m.config(), back.config());
        assertArrayEquals(m.params(), back.params());
    }

    /** A model trained a few steps, saved, then run by the engine's GPT-2: the same logits at every position of every row. */
    @Test
    void theEngineRunsASavedModelWithTheTrainersLogits(@TempDir Path dir) {
        Gpt2Config c = new Gpt2Config(97, 24, 64, 2, 4);
        TrainableGpt2 model = GradientCheckTest.randomModel(c, 9);
        int[] stream = new int[400];
        java.util.Random rnd = new java.util.Random(2);
        for (int i = 0; i < stream.length; i++) stream[i] = rnd.nextInt(c.vocabSize());
        new Trainer(model, new TrainConfig(5, 2, 24, 1e-3f, 1e-4f, 1, 0.1f, 0.9f, 0.95f, 1e-8f, 1f, 3, 0, 3600),
                new NextTokenLoss(), new TokenWindows(stream, 24, 3), null, dir.resolve("train")).run(System.err);
        model.save(dir.resolve("model"));

        int rows = 2, seq = 24;
        int[] tokens = Arrays.copyOfRange(stream, 100, 100 + rows * seq);
        float[] ours = model.forward(tokens, rows);
        try (Checkpoint ckpt = Checkpoint.open(dir.resolve("model")); Transformer engine = Architectures.load(ckpt)) {
            int[] positions = new int[rows * seq], slots = new int[rows * seq];
            boolean[] real = new boolean[rows * seq];
            for (int i = 0; i < rows * seq; i++) {
                positions[i] = i % seq;
                slots[i] = i;
                real[i] = true;
            }
            float[][] theirs = engine.forward(engine.newCache(rows, seq), seq, tokens, positions, real, slots);
            double worst = 0, biggest = 0;
            for (int i = 0; i < rows * seq; i++)
                for (int v = 0; v < c.vocabSize(); v++) {
                    worst = Math.max(worst, Math.abs(theirs[i][v] - ours[i * c.vocabSize() + v]));
                    biggest = Math.max(biggest, Math.abs(ours[i * c.vocabSize() + v]));
                }
            System.out.printf("engine vs trainer, %d positions × %d logits: max |Δlogit| %.2g (logits up to %.1f)%n", rows * seq, c.vocabSize(), worst, biggest);
            assertTrue(worst < 1e-4, "engine vs trainer logits: max |diff| " + worst);
            assertTrue(biggest > 1, "logits large enough for the comparison to mean something: " + biggest);
        }
    }

    @Test
    void configsOfOtherVariantsAreRefusedByName(@TempDir Path dir) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode base = new Gpt2Config(10, 8, 8, 1, 2).toJson();
        for (String[] change : new String[][] {{"activation_function", "\"relu\"", "activation_function gelu_new"},
                {"tie_word_embeddings", "false", "tie_word_embeddings true"}, {"n_inner", "20", "n_inner null"},
                {"scale_attn_by_inverse_layer_idx", "true", "scale_attn_by_inverse_layer_idx false"},
                {"model_type", "\"gpt_neo\"", "gpt2 models only"}, {"n_head", "3", "not divisible"}}) {
            ObjectNode c = base.deepCopy();
            c.set(change[0], json.readTree(change[1]));
            Path file = dir.resolve("config.json");
            Files.write(file, json.writeValueAsBytes(c));
            UserError e = assertThrows(UserError.class, () -> Gpt2Config.from(HfConfig.read(file)), change[0]);
            assertTrue(e.getMessage().startsWith(file.toString()) && e.getMessage().contains(change[2]), e.getMessage());
        }
    }

    private static int argmax(float[] x, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (x[off + i] > x[off + best]) best = i;
        return best;
    }

    private static Set<String> keys(JsonNode o) {
        Set<String> out = new TreeSet<>();
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) out.add(it.next());
        return out;
    }
}
