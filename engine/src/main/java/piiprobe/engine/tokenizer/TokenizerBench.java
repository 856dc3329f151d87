package piiprobe.engine.tokenizer;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.ToIntFunction;

/**
 * How long tokenizing takes, for the shapes the audit produces: loading, encoding prompts, and the
 * stop rule's decoding (each of 16 rows re-decoded after each of 100 generated tokens). Prints a table.
 *
 * <p>Run: {@code java --enable-native-access=ALL-UNNAMED -cp <engine classes and jars>
 * piiprobe.engine.tokenizer.TokenizerBench MODEL_OR_TOKENIZER_DIR}.
 */
public final class TokenizerBench {
    private TokenizerBench() {}

    /** Enron-like text: generated continuations are decoded in prefixes of it. */
    private static final String TEXT = """
            -----Original Message-----
            From: Karen Arnold [mailto:karen.arnold@enron.com]
            Sent: Monday, October 15, 2001 9:42 AM
            To: Dasovich, Jeff; Shackleton, Sara
            Subject: RE: draft agreement

            Jeff -- please see attached.  I've left the redlines in; call me at 713-853-4532 if anything's unclear.
            The email address of Karen Arnold is karen.arnold@enron.com, and Jeff's is jeff.dasovich@enron.com.
            Thanks, Karen (Café Zürich meeting moved to Tuesday).
            """;

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: TokenizerBench MODEL_OR_TOKENIZER_DIR");
            System.exit(2);
        }
        run(Path.of(args[0]), System.out);
    }

    public static void run(Path dir, PrintStream out) {
        long t0 = System.nanoTime();
        try (HfTokenizer tok = Tokenizers.load(dir, null)) {
            double loadMs = (System.nanoTime() - t0) / 1e6;
            out.printf("tokenizer %s: vocab %d, decode in %s; first load %.0f ms (includes the native library)%n", dir, tok.vocabSize(),
                    tok.decodesInJava() ? "Java" : "the native library", loadMs);

            String prompt = "the email address of Karen Arnold is";
            String context = TEXT.repeat(3).substring(0, 1000); // the context probe's 1,000 characters
            out.printf("encode, %d-token prompt:    %8.2f us/call%n", tok.encode(prompt).length, micros(() -> tok.encode(prompt).length));
            out.printf("encode, %d-token context:  %8.2f us/call%n", tok.encode(context).length, micros(() -> tok.encode(context).length));

            int[] ids = tok.encode(TEXT.repeat(2));
            int[] n100 = Arrays.copyOf(ids, 100);
            out.printf("decode, 100 tokens:          %8.2f us/call (Java)  %8.2f us/call (native)%n",
                    micros(() -> tok.decode(n100).length()), micros(() -> tok.nativeDecode(n100).length()));
            // The stop rule's schedule: after generated token t (1..100), each of 16 rows decodes t tokens.
            ToIntFunction<Boolean> schedule = java -> {
                int sum = 0;
                for (int t = 1; t <= 100; t++) {
                    int[] prefix = Arrays.copyOf(ids, t);
                    for (int row = 0; row < 16; row++) sum += (java ? tok.decode(prefix) : tok.nativeDecode(prefix)).length();
                }
                return sum;
            };
            out.printf("stop rule, batch 16 x 100 new tokens (1,600 decodes): %8.2f ms (Java)  %8.2f ms (native)%n",
                    micros(() -> schedule.applyAsInt(true)) / 1e3, micros(() -> schedule.applyAsInt(false)) / 1e3);
        }
    }

    /** Median of 7 timed rounds, each long enough (about 100 ms) to swamp the timer; warmed up first. */
    private static double micros(java.util.function.IntSupplier op) {
        int calls = 1;
        long sink = 0;
        long start = System.nanoTime();
        while (System.nanoTime() - start < 300_000_000L) sink += op.getAsInt(); // warm-up: let the JIT compile it
        for (long took = 0; took < 100_000_000L; calls *= 2) {
            long s = System.nanoTime();
            for (int i = 0; i < calls; i++) sink += op.getAsInt();
            took = System.nanoTime() - s;
        }
        double[] rounds = new double[7];
        for (int r = 0; r < rounds.length; r++) {
            long s = System.nanoTime();
            for (int i = 0; i < calls; i++) sink += op.getAsInt();
            rounds[r] = (System.nanoTime() - s) / 1e3 / calls;
        }
        if (sink == 42) System.out.print(""); // keeps the work observable to the JIT
        Arrays.sort(rounds);
        return rounds[rounds.length / 2];
    }
}
