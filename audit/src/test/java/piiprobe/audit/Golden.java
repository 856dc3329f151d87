package piiprobe.audit;

import piiprobe.engine.LocalModel;

import java.nio.file.Path;

/** The engine's golden reference models, as the audit's tests use them (Maven runs tests in the module's folder). */
public final class Golden {
    public static final Path DIR = Path.of("../engine/src/test/resources/golden");
    /** The real GPT-2 tokenizer. */
    public static final Path TOKENIZER = DIR.resolve("tokenizer");

    private Golden() {}

    /** The golden GPT-2 (random weights, 256 positions) with the real GPT-2 tokenizer, in batches of 16. */
    public static LocalModel gpt2() {
        return LocalModel.load(DIR.resolve("gpt2"), TOKENIZER, 16);
    }
}
