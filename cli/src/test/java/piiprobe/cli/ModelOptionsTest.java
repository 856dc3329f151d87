package piiprobe.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import piiprobe.engine.UserError;

import java.util.Set;

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
        assertTrue(refused("--model", "openai:http://127.0.0.1:8000/v1", "--timeout", "0").getMessage().contains("--timeout must be positive"));
    }
}
