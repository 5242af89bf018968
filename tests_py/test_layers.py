"""The folders are layers: no model reads a later layer, and every model sits in its folder's group.

The layers, in data-flow order, are the folders under models/ and python_models/
(staging -> core -> customers -> activation -> measurement); each is a dbt group.
Checked on the manifest of `dbt parse`, so a new ref that goes up a layer fails here.
"""

from __future__ import annotations

import pytest

from conftest import PROJECT_DIR

LAYERS = ("staging", "core", "customers", "activation", "measurement")
GOVERNED = ("model", "snapshot")


def node_layer(node: dict) -> str | None:
    """The layer a model is in: its first folder (snapshots, which have no folder of their own: their group)."""
    if node["resource_type"] == "model":
        return node["fqn"][1]
    return node["config"].get("group")


def layer_violations(manifest: dict) -> list[str]:
    """Every way the manifest breaks the layering, as readable lines (none when it holds)."""
    nodes = {uid: node for uid, node in manifest["nodes"].items() if node["resource_type"] in GOVERNED}
    problems = []
    for uid, node in sorted(nodes.items()):
        layer = node_layer(node)
        if layer not in LAYERS:
            problems.append(f"{uid}: in no layer (folder or group {layer!r})")
            continue
        if node["config"].get("group") != layer:
            problems.append(f"{uid}: in layer {layer} but group {node['config'].get('group')!r}")
        if node["name"].startswith("int_") and node.get("access") == "public":
            problems.append(f"{uid}: an intermediate model must not be public")
        for parent in node["depends_on"]["nodes"]:
            if parent.startswith("source.") and layer != "staging":
                problems.append(f"{uid}: reads a source outside staging ({parent})")
            if parent in nodes:
                parent_layer = node_layer(nodes[parent])
                if parent_layer in LAYERS and LAYERS.index(parent_layer) > LAYERS.index(layer):
                    problems.append(f"{uid} ({layer}) reads {parent} ({parent_layer}), a later layer")
    return problems


@pytest.fixture(scope="module")
def manifest(parsed_manifest: dict) -> dict:
    return parsed_manifest


def test_no_model_reads_a_later_layer(manifest: dict) -> None:
    assert layer_violations(manifest) == []


def test_every_layer_has_models_and_every_model_a_layer(manifest: dict) -> None:
    layers = {node_layer(n) for n in manifest["nodes"].values() if n["resource_type"] in GOVERNED}
    assert layers == set(LAYERS)
    assert set(manifest["groups"]) == {f"group.audience_warehouse.{layer}" for layer in LAYERS}


def test_intermediate_models_are_not_published(manifest: dict) -> None:
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    intermediate = {n["name"] for n in models if n["name"].startswith("int_")}
    assert intermediate and all(n["schema"] == "intermediate" for n in models if n["name"] in intermediate), (
        "every int_ model builds in the intermediate schema"
    )
    assert {n["schema"] for n in models if n["name"] not in intermediate} == {"staging", "marts", "activation"}


def fake_node(name: str, folder: str, parents: list[str], group: str | None = None, kind: str = "model") -> dict:
    return {
        "resource_type": kind,
        "name": name,
        "fqn": ["audience_warehouse", folder, name],
        "config": {"group": group if group is not None else folder},
        "access": "protected",
        "depends_on": {"nodes": parents},
    }


def test_the_check_catches_a_ref_up_a_layer_a_stray_source_and_a_wrong_group() -> None:
    manifest = {
        "nodes": {
            "model.p.stg_a": fake_node("stg_a", "staging", ["source.p.raw.a"]),
            "model.p.fct_a": fake_node("fct_a", "core", ["model.p.stg_a", "model.p.esp_list"]),
            "model.p.esp_list": fake_node("esp_list", "activation", ["model.p.fct_a"]),
            "model.p.int_b": fake_node("int_b", "customers", ["source.p.raw.b"], group="core"),
            "snapshot.p.snap": fake_node("snap", "snapshots", ["model.p.esp_list"], group="customers", kind="snapshot"),
        }
    }
    problems = layer_violations(manifest)
    assert problems == [
        "model.p.fct_a (core) reads model.p.esp_list (activation), a later layer",
        "model.p.int_b: in layer customers but group 'core'",
        "model.p.int_b: reads a source outside staging (source.p.raw.b)",
        "snapshot.p.snap (customers) reads model.p.esp_list (activation), a later layer",
    ]
    fixed = {uid: node for uid, node in manifest["nodes"].items() if uid != "model.p.int_b"}
    fixed["model.p.fct_a"]["depends_on"]["nodes"] = ["model.p.stg_a"]
    fixed["snapshot.p.snap"]["config"]["group"] = "activation"
    assert layer_violations({"nodes": fixed}) == []


def test_folders_on_disk_are_the_layers() -> None:
    for root in ("models", "python_models"):
        folders = {p.name for p in (PROJECT_DIR / root).iterdir() if p.is_dir()}
        assert folders <= set(LAYERS), f"{root}/ has folders that are not layers: {folders - set(LAYERS)}"
    assert not (PROJECT_DIR / "models" / "intermediate").exists()
    assert not (PROJECT_DIR / "models" / "marts").exists()


def test_singular_tests_mirror_the_layers() -> None:
    folders = {p.name for p in (PROJECT_DIR / "tests").iterdir() if p.is_dir()}
    assert folders and folders <= set(LAYERS)
