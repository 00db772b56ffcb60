"""Strimzi: the Kafka cluster and its KafkaTopics must be Ready."""

from __future__ import annotations

from mgctl.cluster.doctor.model import (
    Context,
    Objects,
    Row,
    cond_text,
    condition,
    disabled_row,
    missing_type,
    name_of,
)

AREA = "Kafka"
KAFKAS = "kafkas.kafka.strimzi.io"
TOPICS = "kafkatopics.kafka.strimzi.io"
RESOURCES = (KAFKAS, TOPICS)


def check(objects: Objects, ctx: Context) -> list[Row]:
    if ctx.disabled("strimzi"):
        return [disabled_row(AREA, "strimzi")]
    expected = ctx.platform is None or ctx.platform.kafka.enabled
    if KAFKAS not in objects:
        return [missing_type(AREA, KAFKAS, expected and ctx.platform is not None, "strimzi")]
    rows = []
    for kind, items in (("Kafka", objects[KAFKAS]), ("KafkaTopic", objects.get(TOPICS, []))):
        for obj in items:
            name = name_of(obj)
            ready = condition(obj, "Ready")
            if ready is not None and ready.get("status") == "True":
                rows.append(Row(AREA, f"{kind} {name}", "ok", "Ready"))
                continue
            ns, short = name.split("/")[0], name.split("/")[-1]
            failing = condition(obj, "NotReady") or ready
            rows.append(
                Row(
                    AREA,
                    f"{kind} {name}",
                    "fail",
                    f"not Ready: {cond_text(failing)}",
                    f"`kubectl -n {ns} describe {kind.lower()} {short}` and the operator "
                    "log (`kubectl -n kafka logs deploy/strimzi-cluster-operator`)",
                )
            )
    if expected and ctx.platform is not None and not objects[KAFKAS]:
        rows.append(
            Row(
                AREA,
                "kafka",
                "fail",
                "kafka.enabled but no Kafka resource",
                "check the kafka Application in Argo CD",
            )
        )
    return rows
