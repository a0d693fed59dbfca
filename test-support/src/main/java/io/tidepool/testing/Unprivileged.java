package io.tidepool.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs the server programs the tests start themselves (PgBouncer, PostgreSQL's own binaries), which refuse to run as
 * root: as root (CI), under an unprivileged account that owns their directory ({@code postgres} when the PostgreSQL
 * packages made it, else {@code nobody}); as anyone else, as that user.
 */
final class Unprivileged {

    private static final String[] ACCOUNTS = {"postgres", "nobody"};

    private Unprivileged() {
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static volatile String account;

    /** The account the programs run as: when the JVM is root an unprivileged one, otherwise the JVM's own. */
    static String account() {
        String known = account;
        if (known == null) {
            known = findAccount();
            account = known;
        }
        return known;
    }

    private static String findAccount() {
        if (!isRoot()) {
            return System.getProperty("user.name");
        }
        for (String name : ACCOUNTS) {
            if (run(List.of("id", "-u", name), Path.of("."), 10).exitCode() == 0) {
                return name;
            }
        }
        throw new IllegalStateException("running as root, and neither of the accounts " + List.of(ACCOUNTS)
                + " exists to run the server programs under (they refuse to run as root)");
    }

    /** A fresh directory the programs may write to. */
    static Path directory(String prefix) {
        try {
            Path dir = Files.createTempDirectory(prefix);
            if (isRoot()) {
                chownTree(dir);
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("could not make a directory for " + prefix, e);
        }
    }

    /** Gives {@code path} and everything under it to the account (root only). */
    static void chownTree(Path path) {
        if (!isRoot()) {
            return;
        }
        try (Stream<Path> all = Files.walk(path)) {
            UserPrincipalLookupService lookup = path.getFileSystem().getUserPrincipalLookupService();
            UserPrincipal owner = lookup.lookupPrincipalByName(account());
            for (Path p : (Iterable<Path>) all::iterator) {
                Files.setOwner(p, owner);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not give " + path + " to " + account(), e);
        }
    }

    /** The command, run as the account when the JVM is root. */
    static List<String> asAccount(List<String> command) {
        if (!isRoot()) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of("setpriv", "--reuid=" + account(), "--regid=" + group(),
                "--init-groups", "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    private static String group() {
        Result id = run(List.of("id", "-gn", account()), Path.of("."), 10);
        return id.output().trim();
    }

    /** Runs a command to its end (at most {@code seconds}), answering its exit code and output. */
    static Result run(List<String> command, Path directory, long seconds) {
        Path output = null;
        try {
            // to a file, not a pipe: a daemon the command starts (pgbouncer -d, a postmaster) may inherit a pipe and
            // hold it open, and reading it would then never end
            output = Files.createTempFile("tidepool-command", ".out");
            Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("did not finish within " + seconds + " s: " + command);
            }
            return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("could not run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command, e);
        } finally {
            if (output != null) {
                output.toFile().delete();
            }
        }
    }

    /** Runs a command that must succeed. */
    static String runOk(List<String> command, Path directory, long seconds) {
        Result result = run(command, directory, seconds);
        if (result.exitCode() != 0) {
            throw new IllegalStateException("failed (exit " + result.exitCode() + "): " + command + "\n"
                    + result.output());
        }
        return result.output();
    }

    record Result(int exitCode, String output) {
    }
}
