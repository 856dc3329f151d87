package piiprobe.engine.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import piiprobe.engine.UserError;
import piiprobe.engine.checkpoint.HfFiles;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds and loads the tokenizer of a model folder. */
public final class Tokenizers {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Tokenizers() {}

    /**
     * The tokenizer for the model in {@code modelDir}. Looks, in order, at: {@code override} (a
     * tokenizer.json file, or a folder searched like a model folder) when not null; then
     * {@code modelDir/tokenizer.json}; {@code modelDir/vocab.json} + {@code merges.txt} (GPT-2 style);
     * and last {@code modelDir/../tokenizer/}, the golden models' shared tokenizer, saying so on stderr.
     */
    public static HfTokenizer load(Path modelDir, Path override) {
        return load(modelDir, override, System.err);
    }

    static HfTokenizer load(Path modelDir, Path override, PrintStream notices) {
        if (override != null) {
            if (Files.isDirectory(override)) {
                HfTokenizer t = fromFolder(override);
                if (t == null) throw new UserError(override + ": no tokenizer.json, nor vocab.json and merges.txt");
                return t;
            }
            if (!HfFiles.isRegularFile(override)) throw new UserError(override + ": no such tokenizer file or folder");
            return fromTokenizerJson(override);
        }
        HfTokenizer t = fromFolder(modelDir);
        if (t != null) return t;
        Path shared = modelDir.resolve("..").resolve("tokenizer").normalize();
        if (Files.isDirectory(shared)) {
            t = fromFolder(shared);
            if (t != null) {
                notices.println("piiprobe: " + modelDir + " has no tokenizer; using " + shared);
                return t;
            }
        }
        throw new UserError(modelDir + ": no tokenizer: looked for tokenizer.json, vocab.json + merges.txt, and ../tokenizer/ "
                + "(or name a tokenizer.json or its folder explicitly)");
    }

    /** The tokenizer in {@code dir}, or null when it holds no tokenizer files. */
    private static HfTokenizer fromFolder(Path dir) {
        Path json = dir.resolve("tokenizer.json");
        if (HfFiles.isRegularFile(json)) return fromTokenizerJson(json);
        Path vocab = dir.resolve("vocab.json"), merges = dir.resolve("merges.txt");
        boolean hasVocab = HfFiles.isRegularFile(vocab), hasMerges = HfFiles.isRegularFile(merges);
        if (hasVocab != hasMerges)
            throw new UserError(dir + ": has " + (hasVocab ? "vocab.json but no merges.txt" : "merges.txt but no vocab.json")
                    + " (a GPT-2 style tokenizer needs both)");
        if (!hasVocab) return null;
        ObjectNode root = VocabMergesFiles.toTokenizerJson(vocab, merges);
        byte[] text;
        try {
            text = JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e); // a tree we built always serializes
        }
        return HfTokenizer.of(root, text, vocab.getParent() + "/{vocab.json,merges.txt}");
    }

    private static HfTokenizer fromTokenizerJson(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UserError(file + ": cannot read: " + UserError.reason(e));
        }
        JsonNode root = HfFiles.parseObject(bytes, file.toString());
        return HfTokenizer.of(root, bytes, file.toString());
    }
}
