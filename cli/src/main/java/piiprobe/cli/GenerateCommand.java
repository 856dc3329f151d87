package piiprobe.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import piiprobe.engine.Decoding;
import piiprobe.engine.Generation;
import piiprobe.engine.LanguageModel;
import piiprobe.engine.StopRule;
import piiprobe.engine.UserError;
import piiprobe.http.OpenAiModel;

import java.io.PrintWriter;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code piiprobe generate}: continues one prompt, as transformers' generate() would. */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Continues a prompt, as transformers' generate() would.",
        description = "Continues a prompt with a model folder (in pure Java, with transformers 4.40's semantics) or a "
                + "served model, by greedy decoding, beam search or sampling, and prints the text or JSON.",
        footerHeading = "%nExamples:%n",
        footer = {"  piiprobe generate --model models/gpt2 \\",
                "      --prompt 'The email address of Ann Lee is'",
                "  piiprobe generate --model models/gpt2 --prompt 'Hello' --decoding sample \\",
                "      --temperature 0.7 --top-k 50 --seed 1 --json"})
final class GenerateCommand implements Callable<Integer> {
    enum Mode { greedy, beam, sample }

    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "The text to continue.")
    String prompt;

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "30", description = "Tokens to add (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--min-new-tokens", paramLabel = "N", defaultValue = "0",
            description = "End-of-sequence is banned until this many are out (default: ${DEFAULT-VALUE}).")
    int minNewTokens;

    @Option(names = "--decoding", paramLabel = "MODE", defaultValue = "greedy",
            description = "greedy, beam or sample (default: ${DEFAULT-VALUE}).")
    Mode decoding;

    @Option(names = "--num-beams", paramLabel = "N", description = "Beam search only (default: 5).")
    Integer numBeams;

    @Option(names = "--num-return-sequences", paramLabel = "N", description = "Beam search only: beams to print (default: all).")
    Integer numReturnSequences;

    @Option(names = "--length-penalty", paramLabel = "X", description = "Beam search only: score = sum / length^X (default: 1).")
    Float lengthPenalty;

    @Option(names = "--early-stopping", description = "Beam search only: stop once num-beams hypotheses are finished.")
    boolean earlyStopping;

    @Option(names = "--temperature", paramLabel = "T", description = "Sampling only (default: 1).")
    Float temperature;

    @Option(names = "--top-k", paramLabel = "K", description = "Sampling only; 0 turns it off (default: 50, as transformers).")
    Integer topK;

    @Option(names = "--top-p", paramLabel = "P", description = "Sampling only; 1 turns it off (default: 1).")
    Float topP;

    @Option(names = "--seed", paramLabel = "S", description = "Sampling only (default: 0).")
    Long seed;

    @Option(names = "--json", description = "Print JSON: {prompt_ids, new_ids, text}, or for beam search {prompt_ids, beams: [{new_ids, score, text}]} best first.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Decoding d = decoding();
        try (LanguageModel model = modelOptions.open(EnumSet.of(OpenAiModel.Use.GENERATE))) {
            int[] promptIds = model.tokenizer().encode(prompt);
            if (promptIds.length == 0) throw new UserError("--prompt is empty: there is nothing to continue");
            Generation g = model.generate(List.of(promptIds), d, StopRule.NEVER).getFirst();
            print(g, d instanceof Decoding.Beam, spec.commandLine().getOut());
        }
        return 0;
    }

    /** The decoding the flags ask for; a flag that the chosen mode would ignore is an error. */
    Decoding decoding() {
        requireMode(Mode.beam, "--num-beams", numBeams != null);
        requireMode(Mode.beam, "--num-return-sequences", numReturnSequences != null);
        requireMode(Mode.beam, "--length-penalty", lengthPenalty != null);
        requireMode(Mode.beam, "--early-stopping", earlyStopping);
        requireMode(Mode.sample, "--temperature", temperature != null);
        requireMode(Mode.sample, "--top-k", topK != null);
        requireMode(Mode.sample, "--top-p", topP != null);
        requireMode(Mode.sample, "--seed", seed != null);
        if (maxNewTokens < 1) throw new UserError("--max-new-tokens must be >= 1, got " + maxNewTokens);
        if (minNewTokens < 0 || minNewTokens > maxNewTokens)
            throw new UserError("--min-new-tokens must be in 0..--max-new-tokens (" + maxNewTokens + "), got " + minNewTokens);
        return switch (decoding) {
            case greedy -> new Decoding.Greedy(maxNewTokens, minNewTokens);
            case beam -> {
                int beams = numBeams == null ? 5 : numBeams;
                if (beams < 1) throw new UserError("--num-beams must be >= 1, got " + beams);
                int keep = numReturnSequences == null ? beams : numReturnSequences;
                if (keep < 1 || keep > beams)
                    throw new UserError("--num-return-sequences must be in 1..--num-beams (" + beams + "), got " + keep);
                float penalty = lengthPenalty == null ? 1f : lengthPenalty;
                if (!Float.isFinite(penalty)) throw new UserError("--length-penalty must be a finite number, got " + penalty);
                yield new Decoding.Beam(maxNewTokens, minNewTokens, beams, penalty, earlyStopping, keep);
            }
            case sample -> {
                float t = temperature == null ? 1f : temperature;
                if (!(t > 0) || !Float.isFinite(t)) throw new UserError("--temperature must be > 0, got " + t);
                int k = topK == null ? 50 : topK;
                if (k < 0) throw new UserError("--top-k must be >= 0 (0 turns it off), got " + k);
                float p = topP == null ? 1f : topP;
                if (!(p > 0 && p <= 1)) throw new UserError("--top-p must be in (0, 1], got " + p);
                yield new Decoding.Sampling(maxNewTokens, minNewTokens, t, k, p, seed == null ? 0 : seed);
            }
        };
    }

    private void requireMode(Mode mode, String flag, boolean given) {
        if (given && decoding != mode)
            throw new UserError(flag + " applies to --decoding " + mode + ", not " + decoding);
    }

    private void print(Generation g, boolean beams, PrintWriter out) throws Exception {
        if (json) {
            ObjectMapper mapper = new ObjectMapper();
            ObjectNode root = mapper.createObjectNode();
            ids(root.putArray("prompt_ids"), g.promptIds());
            if (beams) {
                ArrayNode list = root.putArray("beams");
                for (Generation.Sequence s : g.sequences()) {
                    ObjectNode b = list.addObject();
                    ids(b.putArray("new_ids"), s.newIds());
                    b.put("score", s.score());
                    b.put("text", s.text());
                }
            } else {
                ids(root.putArray("new_ids"), g.best().newIds());
                root.put("text", g.best().text());
            }
            out.println(mapper.writeValueAsString(root));
        } else if (beams) {
            for (Generation.Sequence s : g.sequences())
                out.println(String.format(Locale.ROOT, "%.5f\t%s%s", s.score(), prompt, s.text()));
        } else {
            out.println(prompt + g.best().text());
        }
        out.flush();
    }

    static void ids(ArrayNode array, int[] ids) {
        for (int id : ids) array.add(id);
    }
}
