package piiprobe.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import piiprobe.engine.UserError;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelOptionsTest {
    private static UserError refused(String... args) {
        ModelOptions spec = new ModelOptions();
        new CommandLine(spec).parseArgs(args);
        return assertThrows(UserError.class, () -> spec.open(Set.of()));
    }

    @Test
    void aServedModelNeedsAnHttpUrl() {
        assertTrue(refused("--model", "openai:ftp://host/v1").getMessage().contains("expected openai:http://HOST:PORT/v1"));
        assertTrue(refused("--model", "openai:http://bad host/v1").getMessage().contains("not a URL"));
    }

    @Test
    void theServedModelsOptionsAreCheckedByName() {
        String url = "openai:http://127.0.0.1:8000/v1";
        assertEquals("--timeout must be positive, got 0.0", refused("--model", url, "--timeout", "0").getMessage());
        assertEquals("--concurrency must be >= 1, got 0", refused("--model", url, "--concurrency", "0").getMessage());
        assertEquals("--top-logprobs must be >= 1, got -2", refused("--model", url, "--top-logprobs", "-2").getMessage());
        assertEquals("--batch-size must be >= 1, got 0", refused("--model", url, "--batch-size", "0").getMessage());
    }

    @Test
    void aServedModelsOptionGivenForAModelFolderIsAMistake() {
        assertEquals("--model-name applies to a served model (--model openai:URL), not to the model folder models/gpt2",
                refused("--model", "models/gpt2", "--model-name", "gpt2").getMessage());
        assertEquals("--concurrency, --timeout apply to a served model (--model openai:URL), not to the model folder models/gpt2",
                refused("--model", "models/gpt2", "--timeout", "5", "--concurrency", "2").getMessage());
    }
}
