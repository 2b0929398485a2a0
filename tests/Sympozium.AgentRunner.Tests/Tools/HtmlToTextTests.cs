using Sympozium.AgentRunner.Tools.BuiltIn;

namespace Sympozium.AgentRunner.Tests.Tools;

/// <summary>The HTML-to-text conversion of fetch_url.</summary>
public class HtmlToTextTests
{
    [Fact]
    public void Scripts_styles_head_noscript_and_svg_are_dropped()
    {
        var text = HtmlToText.Convert("<head><title>t</title></head><script>x()</script><style>p{}</style><noscript>n</noscript><svg><g>s</g></svg><p>kept</p>");

        Assert.Equal("kept", text);
    }

    [Fact]
    public void A_self_closing_svg_does_not_hide_the_rest_of_the_page()
    {
        Assert.Equal("before\n\nafter", HtmlToText.Convert("<p>before</p><svg/><p>after</p>"));
    }

    [Fact]
    public void Blocks_become_lines_and_cells_become_tabs()
    {
        Assert.Equal("a\tb\nc\td", HtmlToText.Convert("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>"));
    }

    [Fact]
    public void Pretty_printed_rows_and_items_get_no_blank_lines_between_them()
    {
        var html = "<table>\n  <tr>\n    <td>a</td>\n  </tr>\n  <tr>\n    <td>b</td>\n  </tr>\n</table>\n<ul>\n  <li>x</li>\n  <li>y</li>\n</ul>";

        Assert.Equal("a\nb\n\nx\ny", HtmlToText.Convert(html));
    }

    [Fact]
    public void Entities_are_decoded_and_whitespace_collapsed()
    {
        Assert.Equal("a & b < c \"d\" é", HtmlToText.Convert("<p>a  &amp;\n b &lt; c &quot;d&quot;   &#233;</p>"));
    }

    [Fact]
    public void Inline_tags_do_not_add_spaces()
    {
        Assert.Equal("4.2 GiB free", HtmlToText.Convert("<span>4</span>.<span>2</span> GiB <em>free</em>"));
    }

    [Fact]
    public void Comments_and_attributes_holding_angle_brackets_are_skipped()
    {
        Assert.Equal("x y", HtmlToText.Convert("<!-- <p>hidden</p> --><a title=\"a > b\" href='/'>x</a> y"));
    }

    [Fact]
    public void Text_that_is_not_a_tag_keeps_its_angle_bracket()
    {
        Assert.Equal("1 < 2", HtmlToText.Convert("1 < 2"));
    }
}
