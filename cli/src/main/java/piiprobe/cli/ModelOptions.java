package piiprobe.cli;

import picocli.CommandLine.Option;
import piiprobe.engine.LocalModel;

import java.nio.file.Path;

/** The options every command that runs a local model shares. */
final class ModelOptions {
    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "Hugging Face model folder: config.json and model.safetensors (or shards).")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "PATH",
            description = "tokenizer.json, or a folder holding it (or vocab.json and merges.txt); default: the model folder's.")
    Path tokenizer;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "" + LocalModel.DEFAULT_MAX_BATCH,
            description = "Most rows run together (default: ${DEFAULT-VALUE}).")
    int batchSize;

    LocalModel load() {
        if (batchSize < 1) throw new IllegalArgumentException("--batch-size must be >= 1, got " + batchSize);
        return LocalModel.load(model, tokenizer, batchSize);
    }
}
