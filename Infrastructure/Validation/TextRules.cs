using System.Text;
using FluentValidation;

namespace Messenger.Infrastructure.Validation;

/// <summary>
/// How the contract judges text (API.md, Conventions), in one place for every slice: lengths count
/// Unicode code points, as MySQL's VARCHAR(n) does, so an emoji such as 👩🏽‍💻 is 4, not its 7
/// UTF-16 units; names refuse the characters that hide or reorder what a reader sees.
/// </summary>
public static class TextRules
{
    /// <summary>
    /// The value a trimmed field (displayName, a room's name and description, a message body) is
    /// judged and stored as: <c>RuleFor(x => TextRules.Trimmed(x.Name)).OverridePropertyName("name")</c>.
    /// </summary>
    public static string? Trimmed(string? value) => value?.Trim();

    /// <summary>Code points, not UTF-16 units; a lone surrogate counts as one, as the replacement character it is stored as.</summary>
    public static int CodePoints(string value) => value.EnumerateRunes().Count();

    /// <summary>At most <paramref name="max"/> code points; null passes (required is a rule of its own).</summary>
    public static IRuleBuilderOptions<T, string?> MaximumCodePoints<T>(this IRuleBuilder<T, string?> rule, int max) =>
        rule.Must(value => value is null || CodePoints(value) <= max)
            .WithMessage((_, value) => $"must be {max} characters or fewer. You entered {CodePoints(value!)} characters");

    /// <summary>Between <paramref name="min"/> and <paramref name="max"/> code points; null passes.</summary>
    public static IRuleBuilderOptions<T, string?> CodePointLength<T>(this IRuleBuilder<T, string?> rule, int min, int max) =>
        rule.Must(value => value is null || CodePoints(value) is var count && count >= min && count <= max)
            .WithMessage((_, value) => $"must be between {min} and {max} characters. You entered {CodePoints(value!)} characters");

    /// <summary>
    /// A name shown to other people (displayName, a room's name): no C0 control but tab, no C1
    /// control (terminal escapes), and none of the bidi embeddings, overrides and isolates
    /// (U+202A–U+202E, U+2066–U+2069) that make a name read as another. The marks U+200E/U+200F and
    /// the joiners U+200C/U+200D, which emoji and several scripts need, are allowed. Null passes.
    /// </summary>
    public static IRuleBuilderOptions<T, string?> IsName<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(value => value is null || FirstRefusedInName(value) is null)
            .WithMessage((_, value) => $"must not contain the control or formatting character U+{FirstRefusedInName(value!)!.Value.Value:X4}");

    private static Rune? FirstRefusedInName(string value)
    {
        foreach (var rune in value.EnumerateRunes())
            if (rune.Value is (< 0x20 and not '\t') or (>= 0x80 and <= 0x9F) or (>= 0x202A and <= 0x202E) or (>= 0x2066 and <= 0x2069))
                return rune;
        return null;
    }
}
