package io.tidepool.pg.internal;

import io.r2dbc.spi.ColumnMetadata;
import io.r2dbc.spi.Nullability;
import io.r2dbc.spi.Type;

/** One column of a RowDescription: name, type OID and the format its values arrive in. */
final class PgColumnMetadata implements ColumnMetadata {

    final String name;
    final int typeOid;
    final PgType type;
    final short typeSize;
    final int typeModifier;
    final boolean binary;

    PgColumnMetadata(String name, int typeOid, short typeSize, int typeModifier, boolean binary) {
        this.name = name;
        this.typeOid = typeOid;
        this.type = PgType.of(typeOid);
        this.typeSize = typeSize;
        this.typeModifier = typeModifier;
        this.binary = binary;
    }

    /** The same column, its values arriving in the given format. */
    PgColumnMetadata withBinary(boolean inBinary) {
        return inBinary == binary ? this : new PgColumnMetadata(name, typeOid, typeSize, typeModifier, inBinary);
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public Type getType() {
        return type;
    }

    @Override
    public Class<?> getJavaType() {
        return type.getJavaType();
    }

    @Override
    public Integer getPrecision() {
        return typeModifier >= 4 && type == PgType.NUMERIC ? ((typeModifier - 4) >> 16) & 0xFFFF
                : typeModifier >= 4 && (type == PgType.VARCHAR || type == PgType.BPCHAR) ? typeModifier - 4 : null;
    }

    @Override
    public Integer getScale() {
        return typeModifier >= 4 && type == PgType.NUMERIC ? (typeModifier - 4) & 0xFFFF : null;
    }

    @Override
    public Nullability getNullability() {
        return Nullability.UNKNOWN;
    }

    @Override
    public Object getNativeTypeMetadata() {
        return typeOid;
    }

    @Override
    public String toString() {
        return name + " " + type.getName() + "(" + typeOid + ")" + (binary ? " binary" : "");
    }
}
