import FeedModel
import Testing

@Suite("Placeholders")
struct PlaceholdersTests {
    @Test(
        "{{name}} is replaced, spaced names are trimmed, unknown names are left as written",
        arguments: [
            ("# {{app_name}}", "# mysite"),
            ("{{ app_name }}", "mysite"),
            ("{{ views }} and {{ url_for('static') }}", "{{ views }} and {{ url_for('static') }}"),
            ("open {{app_name", "open {{app_name"),
            ("{{app_name}}/{{port}}", "mysite/8000"),
            ("no braces", "no braces"),
        ])
    func render(input: String, expected: String) {
        #expect(Placeholders.render(input, ["app_name": "mysite", "port": "8000"]) == expected)
    }
}
