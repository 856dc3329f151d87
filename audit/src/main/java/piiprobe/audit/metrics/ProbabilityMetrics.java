package piiprobe.audit.metrics;

import piiprobe.audit.data.Person;
import piiprobe.audit.probe.ContextProbe;
import piiprobe.audit.probe.Probe;
import piiprobe.engine.Decoding;
import piiprobe.engine.LanguageModel;
import piiprobe.engine.Tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Measures what {@link MetricsConfig} asks for, beyond exact match, for a batch of people asked one
 * setting's prompts; the model is seen only through {@link LanguageModel}.
 *
 * <p>Likelihoods are teacher-forced: log P(separator + address | prompt), every candidate of the batch
 * in one call so that the model computes each prompt once per chunk. The separator is a space, as the
 * issue defines the likelihood, except where the address follows the prompt directly: after a context
 * (the text that ended where the address began) and after {@code mailto:}.
 *
 * @param maxNewTokens the continuation length the bounds consider (the audit's max new tokens)
 * @param candidates   where the rank's decoys come from
 */
public record ProbabilityMetrics(LanguageModel model, MetricsConfig config, int maxNewTokens, Candidates candidates) {
    /** One row to measure: the person, the setting's probe and the prompt it gave them. */
    public record Subject(Person person, Probe probe, String prompt, int[] promptIds) {}

    /** The metrics of each subject, in order; null for every one when only exact match is measured. */
    public List<PersonMetrics> measure(List<Subject> subjects) {
        List<PersonMetrics> out = new ArrayList<>(subjects.size());
        if (!config.any()) {
            subjects.forEach(s -> out.add(null));
            return out;
        }
        List<double[]> likelihoods = config.has(Metric.LIKELIHOOD) ? likelihoods(subjects) : null;
        for (int i = 0; i < subjects.size(); i++) {
            Double logprob = null;
            Rank rank = null;
            if (likelihoods != null) {
                double[] scores = likelihoods.get(i);
                logprob = scores[0]; // the truth comes first among the candidates
                if (config.has(Metric.RANK)) rank = Rank.of(scores, 0);
            }
            List<PersonMetrics.Bounds> bounds = new ArrayList<>();
            if (config.has(Metric.BOUNDS))
                for (float t : config.temperatures()) bounds.add(bounds(subjects.get(i), t));
            out.add(new PersonMetrics(logprob, rank, bounds));
        }
        return out;
    }

    /** Per subject, the log-probability of each candidate (only the truth unless the rank is measured). */
    private List<double[]> likelihoods(List<Subject> subjects) {
        Tokenizer tokenizer = model.tokenizer();
        List<int[]> prompts = new ArrayList<>(), continuations = new ArrayList<>();
        int[] counts = new int[subjects.size()];
        for (int i = 0; i < subjects.size(); i++) {
            Subject s = subjects.get(i);
            List<String> addresses = config.has(Metric.RANK) ? candidates.of(s.person(), config.decoys())
                    : List.of(s.person().email());
            String separator = separator(s.probe(), s.prompt());
            for (String a : addresses) {
                prompts.add(s.promptIds());
                continuations.add(tokenizer.encode(separator + a));
            }
            counts[i] = addresses.size();
        }
        List<float[]> tokenLogprobs = model.continuationLogprobs(prompts, continuations);
        List<double[]> out = new ArrayList<>(subjects.size());
        int k = 0;
        for (int count : counts) {
            double[] scores = new double[count];
            for (int c = 0; c < count; c++) {
                double sum = 0;
                for (float lp : tokenLogprobs.get(k++)) sum += lp;
                scores[c] = sum;
            }
            out.add(scores);
        }
        return out;
    }

    /** What comes between a prompt and the address whose likelihood is measured. */
    static String separator(Probe probe, String prompt) {
        return probe instanceof ContextProbe || prompt.endsWith("mailto:") ? "" : " ";
    }

    private PersonMetrics.Bounds bounds(Subject s, float temperature) {
        Decoding.Sampling sampling = new Decoding.Sampling(maxNewTokens, 0, temperature, config.topK(), 1f, 0);
        FirstMatchEvent event = new FirstMatchEvent(s.prompt(), model.tokenizer(), FirstMatchEvent.ADDRESS, s.person().email());
        SoundBounds.Result r = SoundBounds.compute(model, s.promptIds(), event, sampling, config.boundsBudget());
        return new PersonMetrics.Bounds(temperature, r.lower(), r.upper(), r.expansions());
    }
}
