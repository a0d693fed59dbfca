package io.tidepool.spring.boot.starter;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/** A WebFlux application that knows nothing of Tidepool: Spring's DatabaseClient on whatever pool Boot gives it. */
@SpringBootApplication
public class StarterApplication {

    /** The one endpoint: a sum the database computes. */
    @RestController
    static class Numbers {

        private final DatabaseClient database;

        Numbers(DatabaseClient database) {
            this.database = database;
        }

        @GetMapping("/numbers/sum")
        Mono<Long> sum(@RequestParam("upTo") int upTo) {
            return database.sql("SELECT sum(i) AS total FROM generate_series(1, $1) AS i").bind(0, upTo)
                    .map(row -> row.get("total", Long.class)).one();
        }
    }
}
