package piiprobe.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import piiprobe.engine.LanguageModel;
import piiprobe.engine.UserError;
import piiprobe.http.CompletionsServer;
import piiprobe.http.OpenAiModel;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code piiprobe serve}: a model behind OpenAI's completions API, until Ctrl-C. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Serves a model over OpenAI's completions API.",
        description = "Serves a model over OpenAI's completions API until Ctrl-C: /v1/models, /v1/completions (logprobs, "
                + "echo, streaming, n, stop, seed, beam search), /tokenize, /detokenize, /health. Concurrent requests are "
                + "batched into the engine. Requests need PIIPROBE_API_KEY as a bearer token when it is set.",
        footerHeading = "%nExamples:%n",
        footer = {"  piiprobe serve --model models/gpt2 --port 8000",
                "  PIIPROBE_API_KEY=secret piiprobe serve --model models/gpt2 --host 0.0.0.0"})
final class ServeCommand implements Callable<Integer>, Main.Interruptible {
    @Mixin
    ModelOptions model;

    @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "Address to listen on (default: ${DEFAULT-VALUE}, this machine only).")
    String host;

    @Option(names = "--port", paramLabel = "N", defaultValue = "8000", description = "Port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(names = "--served-model-name", paramLabel = "NAME", description = "The name clients use (default: the model folder's name).")
    String servedName;

    @Option(names = "--batch-window-ms", paramLabel = "MS", defaultValue = "20",
            description = "How long a request may wait for others to share its engine call (default: ${DEFAULT-VALUE}).")
    long batchWindowMs;

    @Option(names = "--max-logprobs", paramLabel = "N", defaultValue = "20", description = "Largest logprobs a request may ask for (default: ${DEFAULT-VALUE}).")
    int maxLogprobs;

    @Spec
    CommandSpec spec;

    @Override
    public String whenInterrupted() {
        return "stopped serving";
    }

    @Override
    public Integer call() throws InterruptedException {
        if (port < 0 || port > 65535) throw new UserError("--port must be in 0..65535, got " + port);
        if (batchWindowMs < 0) throw new UserError("--batch-window-ms must be >= 0, got " + batchWindowMs);
        if (maxLogprobs < 0) throw new UserError("--max-logprobs must be >= 0, got " + maxLogprobs);
        String apiKey = System.getenv("PIIPROBE_API_KEY");
        boolean secured = apiKey != null && !apiKey.isEmpty();
        CompletionsServer.Options options = CompletionsServer.Options.defaults().withAddress(host, port).withModelName(servedName)
                .withBatching(model.batchSize, Duration.ofMillis(batchWindowMs)).withMaxLogprobs(maxLogprobs).withApiKey(secured ? apiKey : null);
        LanguageModel served = model.open(EnumSet.of(OpenAiModel.Use.GENERATE));
        CompletionsServer server;
        try {
            server = CompletionsServer.start(served, options);
        } catch (RuntimeException e) {
            served.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            served.close();
            stopped.countDown();
        }));
        var err = spec.commandLine().getErr();
        err.println("piiprobe: serving '" + server.modelName() + "' at " + server.baseUri() + " (batches of up to " + model.batchSize
                + (secured ? "; requests need the API key in PIIPROBE_API_KEY" : "") + "); Ctrl-C stops");
        if (!secured && !isLoopback(host))
            err.println("piiprobe: warning: listening on " + host + " without an API key: anyone who reaches this port can query the model (set PIIPROBE_API_KEY)");
        err.flush();
        stopped.await();
        return 0;
    }

    private static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
