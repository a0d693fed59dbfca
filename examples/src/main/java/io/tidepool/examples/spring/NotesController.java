package io.tidepool.examples.spring;

import io.tidepool.error.ErrorClassifier;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebInputException;
import org.springframework.web.util.UriComponentsBuilder;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.util.List;

/**
 * The notes API:
 * <pre>
 * GET  /notes?limit=20   the newest notes (1 to 100, default 20)
 * GET  /notes/{id}       one note; 404 if there is none
 * POST /notes            {"title": "...", "body": "...", "tags": ["..."]}: 201 with its Location; the note and its
 *                        tags are stored in one transaction, so a refused tag (400) stores nothing
 * </pre>
 * A 400 answer is an RFC 9457 problem whose {@code detail} says what was wrong, in the words of Tidepool's
 * {@link ErrorClassifier} when the database refused the data.
 */
@RestController
@RequestMapping("/notes")
public class NotesController {

    private static final int MAX_LIMIT = 100;

    private final NotesStore store;

    /** A controller over {@code store}. */
    public NotesController(NotesStore store) {
        this.store = store;
    }

    /** The newest notes. */
    @GetMapping
    public Flux<Note> list(@RequestParam(name = "limit", defaultValue = "20") int limit) {
        if (limit < 1 || limit > MAX_LIMIT) {
            return Flux.error(new ServerWebInputException("limit must be between 1 and " + MAX_LIMIT
                    + ", was " + limit));
        }
        return store.list(limit);
    }

    /** One note, or 404. */
    @GetMapping("/{id}")
    public Mono<ResponseEntity<Note>> show(@PathVariable("id") long id) {
        return store.find(id).map(ResponseEntity::ok).defaultIfEmpty(ResponseEntity.notFound().build());
    }

    /** Stores a note and its tags in one transaction; 201 with the note and its Location. */
    @PostMapping
    public Mono<ResponseEntity<Note>> create(@RequestBody NewNote note, UriComponentsBuilder uri) {
        String title = note.title();
        if (title == null || title.isBlank()) {
            return Mono.error(new ServerWebInputException("title must not be blank"));
        }
        List<String> tags = note.tags() == null ? List.of() : note.tags().stream().distinct().toList();
        return store.create(title, note.body() == null ? "" : note.body(), tags)
                .map(stored -> ResponseEntity.created(uri.path("/notes/{id}").build(stored.id())).body(stored));
    }

    /** Data the database refused (a constraint): 400, saying which. */
    @ExceptionHandler(DataIntegrityViolationException.class)
    public ResponseEntity<ProblemDetail> refused(DataIntegrityViolationException error) {
        return ResponseEntity.badRequest().body(ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST,
                ErrorClassifier.defaults().describe(error)));
    }

    /** A bad request (a blank title, a limit out of range): 400, saying why. */
    @ExceptionHandler(ServerWebInputException.class)
    public ResponseEntity<ProblemDetail> badInput(ServerWebInputException error) {
        return ResponseEntity.badRequest().body(ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST,
                error.getReason() == null ? "bad request" : error.getReason()));
    }
}
