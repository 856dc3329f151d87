package piiprobe.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import piiprobe.engine.LanguageModel;
import piiprobe.engine.UserError;
import piiprobe.http.OpenAiModel;

import java.io.PrintWriter;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code piiprobe logprobs}: how likely the model finds a continuation of a prompt, token by token. */
@Command(name = "logprobs", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Prints the log-probability of each token of a continuation.",
        description = "Log-probability (natural log) of each token of a continuation given a prompt, by teacher "
                + "forcing. Prompt and continuation are tokenized separately, then joined.",
        footerHeading = "%nExample:%n",
        footer = {"  piiprobe logprobs --model models/gpt2 \\",
                "      --prompt 'The email address of Ann Lee is' \\",
                "      --continuation ' ann.lee@example.com'"})
final class LogprobsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "The text the continuation follows.")
    String prompt;

    @Option(names = "--continuation", required = true, paramLabel = "TEXT",
            description = "The text to score (mind its leading space: ' ann@x.com' is not 'ann@x.com').")
    String continuation;

    @Option(names = "--json", description = "Print JSON: {prompt_ids, continuation_ids, token_logprobs, sum_logprob}.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        try (LanguageModel model = modelOptions.open(EnumSet.of(OpenAiModel.Use.SCORE))) {
            int[] p = model.tokenizer().encode(prompt), c = model.tokenizer().encode(continuation);
            if (p.length == 0) throw new UserError("--prompt is empty: there is nothing to condition on");
            if (c.length == 0) throw new UserError("--continuation is empty: there is nothing to score");
            float[] lp = model.continuationLogprobs(List.of(p), List.of(c)).getFirst();
            double sum = 0;
            for (float x : lp) sum += x;
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                ObjectMapper mapper = new ObjectMapper();
                ObjectNode root = mapper.createObjectNode();
                GenerateCommand.ids(root.putArray("prompt_ids"), p);
                GenerateCommand.ids(root.putArray("continuation_ids"), c);
                ArrayNode lps = root.putArray("token_logprobs");
                for (float x : lp) lps.add(x);
                root.put("sum_logprob", sum);
                out.println(mapper.writeValueAsString(root));
            } else {
                for (int i = 0; i < c.length; i++)
                    out.println(String.format(Locale.ROOT, "%10.4f  %6d  %s", lp[i], c[i],
                            model.tokenizer().decode(new int[] {c[i]}).replace("\n", "\\n")));
                out.println(String.format(Locale.ROOT, "%10.4f  sum over %d tokens", sum, c.length));
            }
            out.flush();
        }
        return 0;
    }
}
