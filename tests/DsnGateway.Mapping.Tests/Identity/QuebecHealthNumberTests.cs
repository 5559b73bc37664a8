using DsnGateway.Mapping.Identity;

namespace DsnGateway.Mapping.Tests.Identity;

public class QuebecHealthNumberTests
{
    [Theory]
    [InlineData("TREE85561512", 1985, 6, 15, "F")]
    [InlineData("tree 8556 1512", 1985, 6, 15, "F")]
    [InlineData("GAGM72110321", 1972, 11, 3, "M")]
    [InlineData("COTJ50522834", 1950, 2, 28, "F")]
    [InlineData("COTJ50022834", 1950, 2, 28, "U")]
    [InlineData("COTJ50522834", 1950, 2, 28, "X")]
    [InlineData("COTJ50522834", 1950, 2, 28, null)]
    public void A_nam_agreeing_with_birth_date_and_sex_is_valid_and_normalized(string raw, int year, int month, int day, string? sex)
    {
        var check = QuebecHealthNumber.Check(raw, new PartialDate(year, month, day), sex);

        check.IsValid.Should().BeTrue(check.Problem);
        check.Normalized.Should().MatchRegex("^[A-Z]{4}[0-9]{8}$");
    }

    [Theory]
    [InlineData("TREE8556151", "4 letters and 8 digits")]
    [InlineData("TRE185561512", "4 letters and 8 digits")]
    [InlineData("TREE85561512X", "4 letters and 8 digits")]
    [InlineData("TRÉE85561512", "4 letters and 8 digits")]
    [InlineData("TREE85131512", "neither 01-12")]
    [InlineData("TREE85631512", "neither 01-12")]
    [InlineData("TREE85003212", "neither 01-12")]
    [InlineData("TREE85563212", "not a day")]
    public void A_malformed_nam_is_refused_with_its_reason(string raw, string reason)
    {
        var check = QuebecHealthNumber.Check(raw, null, null);

        check.IsValid.Should().BeFalse();
        check.Problem.Should().Contain(reason);
    }

    [Theory]
    [InlineData("TREE85561512", 1986, 6, 15, "F", "year")]
    [InlineData("TREE85561512", 1985, 7, 15, "F", "month")]
    [InlineData("TREE85561512", 1985, 6, 16, "F", "day")]
    [InlineData("TREE85561512", 1985, 6, 15, "M", "encodes a woman")]
    [InlineData("GAGM72110321", 1972, 11, 3, "F", "encodes a man")]
    public void A_nam_disagreeing_with_the_message_is_refused(string raw, int year, int month, int day, string sex, string reason)
    {
        var check = QuebecHealthNumber.Check(raw, new PartialDate(year, month, day), sex);

        check.IsValid.Should().BeFalse();
        check.Problem.Should().Contain(reason);
    }

    [Fact]
    public void Without_a_birth_date_the_date_is_not_checked_but_must_exist()
    {
        QuebecHealthNumber.Check("TREE85561512", null, "F").IsValid.Should().BeTrue();
        QuebecHealthNumber.Check("TREE85563112", null, "F").IsValid.Should().BeFalse("there is no 31 June");
    }

    [Fact]
    public void A_birth_date_at_year_precision_checks_only_the_year()
    {
        QuebecHealthNumber.Check("TREE85561512", new PartialDate(1985, null, null), "F").IsValid.Should().BeTrue();
        QuebecHealthNumber.Check("TREE85561512", new PartialDate(1984, null, null), "F").IsValid.Should().BeFalse();
    }
}
