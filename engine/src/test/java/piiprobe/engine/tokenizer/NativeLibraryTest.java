package piiprobe.engine.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * djl extracts the tokenizers native library on first use. On a fresh machine several JVMs (surefire
 * forks, CI jobs) may do that at once: each must succeed, and they must leave one library behind.
 */
class NativeLibraryTest {
    static final String TEXT = "the email address of Karen Arnold is";

    /**
     * What each racing JVM runs: load the golden tokenizer, print the ids of {@link #TEXT} and whether
     * djl ran offline (it does not call home or look for downloads then).
     */
    public static final class Child {
        public static void main(String[] args) {
            try (HfTokenizer t = Tokenizers.load(Path.of(args[0]), null)) {
                System.out.println(Arrays.toString(t.encode(TEXT)) + " offline=" + ai.djl.util.Utils.isOfflineMode());
            }
        }
    }

    @Test
    void concurrentJvmsExtractIntoAFreshCacheWithoutRacing(@TempDir Path cache) throws Exception {
        Path tokenizer = HfTokenizerTest.SHARED.toAbsolutePath();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> children = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ProcessBuilder pb = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
                    "-cp", System.getProperty("java.class.path"), Child.class.getName(), tokenizer.toString());
            pb.environment().remove("ENGINE_CACHE_DIR");
            pb.environment().remove("DJL_OFFLINE");
            pb.environment().put("DJL_CACHE_DIR", cache.toString());
            pb.redirectErrorStream(true);
            children.add(pb.start());
        }
        for (Process p : children) {
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "a child JVM hangs");
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertEquals(0, p.exitValue(), out);
            assertEquals("[1169, 3053, 2209, 286, 18678, 21418, 318] offline=true", out, "nothing on the output but the child's line");
        }
        // One extracted library, and no temporary folder left by a loser of the race.
        try (Stream<Path> s = Files.list(cache.resolve("tokenizers"))) {
            List<Path> entries = s.toList();
            assertEquals(1, entries.size(), entries::toString);
            assertTrue(entries.getFirst().getFileName().toString().contains("-cpu-"), entries::toString);
            assertTrue(hasLibrary(entries.getFirst()), entries::toString);
        }
    }

    static boolean hasLibrary(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(p -> p.getFileName().toString().contains("tokenizers"));
        }
    }
}
