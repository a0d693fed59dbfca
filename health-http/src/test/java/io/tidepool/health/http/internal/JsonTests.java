package io.tidepool.health.http.internal;

import io.tidepool.testing.MiniJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(10)
class JsonTests {

    @Test
    void jsonIsEscapedAndParses() {
        String text = new Json().beginObject()
                .field("quote", "a \"b\" \\ c\n\u0001")
                .field("n", 3)
                .field("x", 0.12345)
                .field("nan", Double.NaN)
                .beginArray("list").value("one").value("two").endArray()
                .beginObject("inner").field("ok", true).endObject()
                .endObject().toString();

        @SuppressWarnings("unchecked")
        Map<String, Object> parsed = (Map<String, Object>) MiniJson.parse(text);
        assertThat(parsed).containsEntry("quote", "a \"b\" \\ c\n\u0001").containsEntry("n", 3.0)
                .containsEntry("x", 0.123).containsEntry("list", List.of("one", "two"))
                .containsEntry("inner", Map.of("ok", true));
        assertThat(parsed.get("nan")).isNull();
    }
}
