package io.tidepool.pg.internal;

import java.text.Normalizer;

/**
 * SASLprep (RFC 4013) as PostgreSQL applies it to SCRAM passwords: non-ASCII spaces become a space, characters
 * "commonly mapped to nothing" are dropped, then NFKC. Like the server, a password the profile prohibits (control
 * characters, private use, unassigned...) is used as it is rather than refused. ASCII passwords pass unchanged.
 */
final class SaslPrep {

    private SaslPrep() {
    }

    static String prepare(CharSequence password) {
        boolean ascii = true;
        for (int i = 0; i < password.length(); i++) {
            if (password.charAt(i) >= 0x80) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            return password.toString();
        }
        StringBuilder mapped = new StringBuilder(password.length());
        for (int i = 0; i < password.length(); ) {
            int cp = Character.codePointAt(password, i);
            i += Character.charCount(cp);
            if (isMappedToNothing(cp)) {
                continue;
            }
            mapped.appendCodePoint(isNonAsciiSpace(cp) ? ' ' : cp);
        }
        String normalized = Normalizer.normalize(mapped, Normalizer.Form.NFKC);
        for (int i = 0; i < normalized.length(); ) {
            int cp = normalized.codePointAt(i);
            i += Character.charCount(cp);
            if (isProhibited(cp)) {
                // the server falls back to the raw password in this case: so do we
                return password.toString();
            }
        }
        return normalized;
    }

    /** RFC 3454 table B.1. */
    private static boolean isMappedToNothing(int cp) {
        return cp == 0x00AD || cp == 0x034F || cp == 0x1806 || (cp >= 0x180B && cp <= 0x180D)
                || (cp >= 0x200B && cp <= 0x200D) || cp == 0x2060 || (cp >= 0xFE00 && cp <= 0xFE0F) || cp == 0xFEFF;
    }

    /** RFC 3454 table C.1.2. */
    private static boolean isNonAsciiSpace(int cp) {
        return cp == 0x00A0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200B) || cp == 0x202F || cp == 0x205F
                || cp == 0x3000;
    }

    /** The prohibited output of RFC 4013 section 2.3, approximated by Unicode categories. */
    private static boolean isProhibited(int cp) {
        int type = Character.getType(cp);
        return type == Character.CONTROL || type == Character.PRIVATE_USE || type == Character.SURROGATE
                || type == Character.UNASSIGNED || (cp >= 0xFFFA && cp <= 0xFFFD) || (cp >= 0x2FF0 && cp <= 0x2FFB)
                || (cp >= 0x200E && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E)
                || (cp >= 0x206A && cp <= 0x206F);
    }
}
