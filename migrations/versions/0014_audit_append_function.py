"""the audit chain appended by one statement on PostgreSQL: ``audit_append`` takes the chain's
lock, reads its head, takes each row's hash and inserts the rows, all in the database, so the
lock is held for that one statement and the commit (portal.audit.chain.append). The hash is
the one Python takes (portal.audit.chain.row_hash) over the same bytes: the function is given
each row's canonical tail as Python made it, and the version prefix and genesis hash as
parameters, so the format lives in one place and ``portal audit verify`` reads both alike.
SQLite keeps appending from Python (it has one writer at a time and no advisory lock).

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The row's canonical bytes are p_version || '[chain,seq,"prev",' || tail
# (portal.audit.chain._hash); format's %s writes a whole number as Python's %d does. The
# columns are read back from the tail, a JSON array without its "[" (_canonical_tail): what
# is inserted is what is hashed, and the call passes one array, not one per column.
AUDIT_APPEND = """
CREATE FUNCTION audit_append(p_lock_namespace integer, p_version bytea, p_genesis varchar,
                             p_chain integer, p_tails bytea[])
RETURNS TABLE (chain_seq integer, prev_hash varchar, row_hash varchar)
LANGUAGE plpgsql AS $$
DECLARE
  v_seq integer;
  v_prev varchar;
  v_count integer := cardinality(p_tails);
  v_seqs integer[] := '{}';
  v_prevs varchar[] := '{}';
  v_hashes varchar[] := '{}';
BEGIN
  PERFORM pg_advisory_xact_lock(p_lock_namespace, p_chain);
  SELECT a.chain_seq, a.row_hash INTO v_seq, v_prev FROM audit_event a
   WHERE a.chain = p_chain ORDER BY a.chain_seq DESC LIMIT 1;
  IF NOT FOUND THEN
    v_seq := 0;
    v_prev := p_genesis;
  END IF;
  FOR i IN 1 .. v_count LOOP
    v_seq := v_seq + 1;
    v_seqs[i] := v_seq;
    v_prevs[i] := v_prev;
    v_prev := encode(sha256(p_version
                            || convert_to(format('[%s,%s,"%s",', p_chain, v_seq, v_prev), 'UTF8')
                            || p_tails[i]), 'hex');
    v_hashes[i] := v_prev;
  END LOOP;
  INSERT INTO audit_event (municipality_id, action, actor_person_id, actor_staff_user_id,
                           subject_person_id, target, reason, created_at, chain, chain_seq,
                           prev_hash, row_hash)
  SELECT (r.j ->> 0)::integer, r.j ->> 1, (r.j ->> 2)::integer, (r.j ->> 3)::integer,
         (r.j ->> 4)::integer, r.j ->> 5, r.j ->> 6, (r.j ->> 7)::timestamptz, p_chain,
         r.seq, r.prev, r.hash
    FROM (SELECT ('[' || convert_from(t.tail, 'UTF8'))::json AS j, t.seq, t.prev, t.hash
            FROM unnest(p_tails, v_seqs, v_prevs, v_hashes) AS t (tail, seq, prev, hash)) r;
  RETURN QUERY SELECT * FROM unnest(v_seqs, v_prevs, v_hashes);
END $$
"""
SIGNATURE = "audit_append(integer, bytea, varchar, integer, bytea[])"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(AUDIT_APPEND)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION {SIGNATURE}")
