package piiprobe.lab.corpus;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import piiprobe.engine.tokenizer.HfTokenizer;
import piiprobe.engine.tokenizer.Tokenizers;
import piiprobe.lab.LabPreset;
import piiprobe.lab.bpe.BpeTrainer;
import piiprobe.lab.bpe.ByteLevelBpe;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The tokenizer trained on the ci preset's corpus: full vocabulary, Hugging Face parity on every
 * document, and the engine's tokenizer loader reads it.
 */
class CorpusTokenizationTest {
    @Test
    void theCorpusTokenStreamIsWhatHuggingFaceMakesOfEveryDocumentAndDecodesBack(@TempDir Path dir) throws IOException {
        LabPreset preset = LabPreset.named("ci");
        Corpus corpus = CorpusGenerator.generate(EnronPeople.all(), preset.corpus());
        ByteLevelBpe bpe = BpeTrainer.train(corpus.documents(), preset.vocabSize());
        assertEquals(preset.vocabSize(), bpe.vocabSize());
        bpe.save(dir);
        int[] stream = bpe.encodeDocuments(corpus.documents());
        try (HuggingFaceTokenizer hf = piiprobe.lab.bpe.HuggingFaceParityTest.huggingFace(dir.resolve("tokenizer.json"))) {
            int at = 0;
            for (String doc : corpus.documents()) {
                long[] expected = hf.encode(doc).getIds();
                int[] got = Arrays.copyOfRange(stream, at, at + expected.length);
                assertArrayEquals(expected, Arrays.stream(got).asLongStream().toArray());
                assertEquals(bpe.endOfTextId(), stream[at + expected.length]);
                assertEquals(doc, bpe.decode(got));
                at += expected.length + 1;
            }
            assertEquals(stream.length, at);
        }
        // The engine loads it from a model folder as it would a checkpoint's, and agrees.
        try (HfTokenizer engine = Tokenizers.load(dir, null)) {
            assertEquals(bpe.vocabSize(), engine.vocabSize());
            for (int id = 0; id < bpe.vocabSize(); id++) assertEquals(engine.isSpecial(id), bpe.isSpecial(id), "id " + id);
            for (String doc : corpus.documents().subList(0, 50)) {
                assertArrayEquals(bpe.encode(doc), engine.encode(doc));
                assertEquals(doc, engine.decode(bpe.encode(doc)));
            }
        }
    }
}
