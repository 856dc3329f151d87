package piiprobe.audit;

import piiprobe.engine.Decoding;
import piiprobe.engine.Generation;
import piiprobe.engine.LanguageModel;
import piiprobe.engine.StopRule;
import piiprobe.engine.Tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A test model: continues each prompt with the text a script gives for it, one character per token,
 * then the end-of-sequence token (unless {@code maxNewTokens} ran out). Asks the stop rule after
 * every token, as the engine does for greedy and sampling, and records what it was asked.
 */
final class ScriptedModel implements LanguageModel {
    private final CharTokenizer tokenizer = new CharTokenizer();
    private final UnaryOperator<String> script;
    final List<List<String>> batches = new ArrayList<>();
    long tokensGenerated;
    /** Throws after this many generate calls, like a killed process; negative: never. */
    int failAfterCalls = -1;
    String name = "scripted";
    long parameters = -1;

    ScriptedModel(UnaryOperator<String> script) {
        this.script = script;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long parameterCount() {
        return parameters;
    }

    @Override
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public int[] eosTokenIds() {
        return new int[] {CharTokenizer.EOS};
    }

    @Override
    public List<Generation> generate(List<int[]> prompts, Decoding decoding, StopRule stop) {
        if (failAfterCalls >= 0 && batches.size() >= failAfterCalls) throw new IllegalStateException("killed");
        List<String> texts = new ArrayList<>();
        List<Generation> out = new ArrayList<>();
        for (int row = 0; row < prompts.size(); row++) {
            String prompt = tokenizer.decode(prompts.get(row));
            texts.add(prompt);
            int[] script = tokenizer.encode(this.script.apply(prompt));
            List<Integer> ids = new ArrayList<>();
            while (ids.size() < decoding.maxNewTokens()) {
                ids.add(ids.size() < script.length ? script[ids.size()] : CharTokenizer.EOS);
                tokensGenerated++;
                if (ids.getLast() == CharTokenizer.EOS) break;
                if (stop.shouldStop(row, ids.stream().mapToInt(Integer::intValue).toArray())) break;
            }
            int[] newIds = ids.stream().mapToInt(Integer::intValue).toArray();
            out.add(new Generation(prompts.get(row), List.of(new Generation.Sequence(newIds, tokenizer.decode(newIds), 0))));
        }
        batches.add(texts);
        return out;
    }

    @Override
    public List<float[]> continuationLogprobs(List<int[]> prompts, List<int[]> continuations) {
        throw new UnsupportedOperationException("a scripted model has no probabilities");
    }

    @Override
    public List<float[]> nextTokenLogprobs(List<int[]> prefixes) {
        throw new UnsupportedOperationException("a scripted model has no probabilities");
    }

    @Override
    public void close() {}
}
