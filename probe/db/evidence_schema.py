"""Tables of the evidence trail: run manifests (sealed hashes) and pruned-artifact records.

They share `probe.db.schema.Base`; migration 0003 creates them. Neither table has a foreign
key to `runs`: a manifest row must outlive a deleted run so that `verify` can name it.
"""

from __future__ import annotations

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from probe.db.schema import Base


class ManifestRow(Base):
    """The seal of one run: its manifest artifact, the manifest's SHA-256 and its chain link.

    `chain` is the run's sweep id ("" for runs outside any sweep); `seq` numbers the runs of a
    chain from 1 in the order they were sealed; `previous_sha256` is the manifest hash of run
    `seq - 1` ("" for the first). `origin` is "probe" for runs sealed here, "import" for runs
    loaded from a bundle (whose predecessors live in another database).
    """

    __tablename__ = "manifests"
    __table_args__ = (UniqueConstraint("chain", "seq", name="uq_manifests_chain_seq"),)
    run_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    chain: Mapped[str] = mapped_column(String(40), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    previous_sha256: Mapped[str] = mapped_column(String(64), default="")
    path: Mapped[str] = mapped_column(Text)  # relative to the evidence root
    created_at: Mapped[str] = mapped_column(String(32))
    origin: Mapped[str] = mapped_column(String(16), default="probe")


class PrunedArtifactRow(Base):
    """An artifact deliberately removed by retention (`probe prune`), so verify can tell it
    apart from a file that went missing."""

    __tablename__ = "pruned_artifacts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(String(40), index=True)
    path: Mapped[str] = mapped_column(Text)  # relative to the evidence root
    sha256: Mapped[str] = mapped_column(String(64))
    bytes: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(20), default="")
    pruned_at: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text, default="")
