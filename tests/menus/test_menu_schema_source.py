import pathlib


ROOT = pathlib.Path(__file__).parents[2]


class TestVendoredSpec:
    def test_spec_is_read_from_the_tests_data(self, whatsapp_spec_path):
        """Meta's spec is read from the copy in tests/data, never from outside the repository."""
        assert ROOT / "tests" / "data" == whatsapp_spec_path.resolve().parent

    def test_spec_is_there(self, whatsapp_spec_path):
        """The vendored spec is in the clone, so the schema tests run anywhere."""
        assert (True, "openapi:") == (
            whatsapp_spec_path.is_file(),
            whatsapp_spec_path.read_text(encoding="utf-8")[:8],
        )

    def test_licence_is_beside_it(self, whatsapp_spec_path):
        """Meta's MIT licence travels with the copy of its spec."""
        licence = whatsapp_spec_path.with_name("whatsapp-business-messaging-openapi.LICENSE")
        assert "MIT License" in licence.read_text(encoding="utf-8")
