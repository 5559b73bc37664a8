using DsnGateway.Fhir.Model;
using Hl7.Fhir.Model;
using DsnGateway.Hl7v2;
using DsnGateway.Hl7v2.Segments;
using DsnGateway.Mapping.Identity;
using DsnGateway.Mapping.Patients;
using Hl7.Fhir.Utility;
using static DsnGateway.Mapping.Tests.QuebecFixtures;

namespace DsnGateway.Mapping.Tests.Patients;

public class PidMapperTests
{
    private const string NamSystem = "https://fhir.infoway-inforoute.ca/NamingSystem/ca-qc-patient-healthcare-id";
    private readonly DsnGateway.Mapping.Establishments.SenderRegistry _senders = DefaultSenders();

    private MappingResult<Patient> Map(string pidSegment, string establishment = "NIM")
    {
        var message = Parse(MarieA01(pid: pidSegment));
        return new PidMapper(_senders.Establishments).Map(message.Pid()!, _senders.Establishments.ByCode(establishment)!);
    }

    private static Patient Ok(MappingResult<Patient> result)
    {
        result.IsSuccess.Should().BeTrue(result.Error?.ToString());
        Validation.StrictRoundTripTests.AssertRoundTrip(result.Value!);
        return result.Value!;
    }

    [Fact]
    public void Identifiers_NAM_normalized_MRNs_by_their_authority_and_others_kept_under_the_sender()
    {
        var patient = Ok(Map(MariePid));

        patient.Identifier!.Select(i => (i.System, i.Value)).Should().Equal(
            ("urn:dsn:mrn:nim", "1234567"),
            (NamSystem, MarieNam),
            ("urn:dsn:mrn:mcq", "998877"),
            ("urn:dsn:id:nim:lab", "55555"));
        var nam = patient.Identifier!.Single(i => i.System == NamSystem);
        nam.Type!.Coding!.Single().Should().BeEquivalentTo(new { System = "http://terminology.hl7.org/CodeSystem/v2-0203", Code = "JHN" });
        patient.Identifier!.Single(i => i.System == "urn:dsn:mrn:mcq").Type!.Coding!.Single().Code.Should().Be("MR");
        QuebecHealthNumber.System.Should().Be(NamSystem);
    }

    [Fact]
    public void An_MRN_of_the_other_establishment_takes_its_authority_system_whoever_sent_it()
    {
        var patient = Ok(Map("PID|1||998877^^^MCQ^MR||Côté^Marie||19850615|F"));

        patient.Identifier!.Single().Should().BeEquivalentTo(new { System = "urn:dsn:mrn:mcq", Value = "998877" }, o => o.ExcludingMissingMembers());
        PatientIdentity.Of(patient)!.Key.Should().Be("urn:dsn:mrn:mcq|998877");
    }

    [Fact]
    public void Names_all_repetitions_accents_middle_names_prefix_suffix_and_use()
    {
        var patient = Ok(Map(MariePid));

        patient.Name.Should().HaveCount(2);
        patient.Name![0].Family.Should().Be("Côté");
        patient.Name[0].Given.Should().Equal("Marie", "Josée");
        patient.Name[0].Prefix.Should().Equal("Mme");
        patient.Name[0].Use.Should().Be(HumanName.NameUse.Official);
        patient.Name[1].Family.Should().Be("Tremblay");
        patient.Name[1].Use.Should().Be(HumanName.NameUse.Maiden);

        var jean = Ok(Map("PID|1||1^^^NIM^MR||Bélanger^Jean^Paul Émile^Jr^Dr^MD^N"));
        jean.Name.Single().ShouldBeExactly(new HumanName
        {
            Family = "Bélanger", Given = ["Jean", "Paul Émile"], Suffix = ["Jr", "MD"], Prefix = ["Dr"], Use = HumanName.NameUse.Nickname,
        });
    }

    [Theory]
    [InlineData("19850615", "1985-06-15")]
    [InlineData("198506", "1985-06")]
    [InlineData("1985", "1985")]
    [InlineData("198506151030", "1985-06-15")]
    public void Birth_date_keeps_its_precision_and_never_carries_a_time(string pid7, string expected)
    {
        var patient = Ok(Map($"PID|1||{MarieNam}^^^RAMQ||Côté^Marie||{pid7}|F"));

        patient.BirthDate.Should().Be(expected);
    }

    [Fact]
    public void A_year_only_birth_date_checks_only_the_year_of_the_NAM()
    {
        var patient = Ok(Map("PID|1||COTJ50522834^^^RAMQ^JHN||Côté^Jeanne||1950|F"));

        patient.BirthDate.Should().Be("1950");
        patient.Identifier!.Single().Value.Should().Be("COTJ50522834");
    }

    [Theory]
    [InlineData("F", "female")]
    [InlineData("M", "male")]
    [InlineData("O", "other")]
    [InlineData("A", "other")]
    [InlineData("U", "unknown")]
    [InlineData("N", "unknown")]
    [InlineData("", null)]
    public void Sex_maps_to_administrative_gender(string pid8, string? gender)
    {
        // 1 = an MRN without NAM, so every sex is accepted.
        var patient = Ok(Map($"PID|1||1^^^NIM^MR||Côté^Marie||19850615|{pid8}"));

        patient.Gender?.GetLiteral().Should().Be(gender);
    }

    [Fact]
    public void Sex_F_with_a_NAM_month_plus_50_and_sex_M_with_a_plain_month_are_accepted()
    {
        Ok(Map($"PID|1||{MarieNam}^^^RAMQ||Côté^Marie||19850615|F")).Gender.Should().Be(AdministrativeGender.Female);
        Ok(Map($"PID|1||{JeanNam}^^^RAMQ||Bélanger^Jean||19721103|M")).Gender.Should().Be(AdministrativeGender.Male);
    }

    [Theory]
    [InlineData("PID|1||COTM85561512^^^RAMQ||Côté^Marie||19850615|M", "PID(1)-3[1]", "encodes a woman")]
    [InlineData("PID|1||1^^^NIM^MR~COTM85561512^^^^JHN||Côté^Marie||19860615|F", "PID(1)-3[2]", "year")]
    [InlineData("PID|1||1^^^NIM^MR~COTM85561612^^^^NAM||Côté^Marie||19850615|F", "PID(1)-3[2]", "day")]
    [InlineData("PID|1|COTM85571512^^^RAMQ|1^^^NIM^MR||Côté^Marie||19850615|F", "PID(1)-2", "month")]
    [InlineData("PID|1||COTM8556151^^^RAMQ||Côté^Marie||19850615|F", "PID(1)-3[1]", "4 letters and 8 digits")]
    [InlineData("PID|1||COTM85561512^^^RAMQ~COTM85061512^^^^JHN||Côté^Marie||19850615", "PID(1)-3[2]", "two different NAMs")]
    public void A_NAM_disagreeing_or_malformed_is_error_102_with_the_reason(string pid, string location, string reason)
    {
        var result = Map(pid);

        result.IsSuccess.Should().BeFalse();
        result.Error!.Code.Should().Be(Hl7ErrorCodes.DataTypeError);
        result.Error.Location!.ToString().Should().Be(location);
        result.Error.Message.Should().Contain("NAM").And.Contain(reason);
    }

    [Fact]
    public void The_same_NAM_in_PID_2_and_PID_3_is_one_identifier()
    {
        var patient = Ok(Map($"PID|1|{MarieNam}^^^RAMQ|cotm 8556 1512^^^RAMQ^JHN||Côté^Marie||19850615|F"));

        patient.Identifier!.Should().ContainSingle().Which.Value.Should().Be(MarieNam);
    }

    [Theory]
    [InlineData("PID|1||55555^^^LAB^PI~777^^^MR||Côté^Marie||19850615|F", 101, "PID(1)-3", "neither a NAM")]
    [InlineData("PID|1||||Côté^Marie||19850615|F", 101, "PID(1)-3", "PID-3")]
    [InlineData("PID|1||1^^^NIM^MR||||19850615|F", 101, "PID(1)-5", "PID-5")]
    [InlineData("PID|1||1^^^NIM^MR||Côté^Marie||1985-06-15|F", 102, "PID(1)-7", "PID-7")]
    [InlineData("PID|1||1^^^NIM^MR||Côté^Marie||19850615|F|||||||||||||||||||||20240231", 102, "PID(1)-29", "PID-29")]
    public void Missing_identity_name_or_bad_dates_are_errors_with_code_location_and_reason(string pid, int code, string location, string reason)
    {
        var result = Map(pid);

        result.IsSuccess.Should().BeFalse();
        result.Error!.Code.Should().Be(code);
        result.Error.Location!.ToString().Should().Be(location);
        result.Error.Message.Should().Contain(reason);
    }

    [Fact]
    public void Addresses_all_repetitions_with_Canadian_postal_codes_and_use()
    {
        var patient = Ok(Map(MariePid));

        patient.Address.Should().HaveCount(2);
        patient.Address[0].ShouldBeExactly(new Address
        {
            Line = ["1234 rue Sainte-Catherine Est", "App. 5"], City = "Montréal", State = "QC", PostalCode = "H2L 2C4", Country = "CAN", Use = Address.AddressUse.Home,
        });
        patient.Address[1].ShouldBeExactly(new Address
        {
            Line = ["C.P. 42"], City = "Trois-Rivières", State = "QC", PostalCode = "G9A 5H7", Country = "CAN", Type = Address.AddressType.Postal,
        });
    }

    [Fact]
    public void Telecom_phones_mobile_email_and_work_with_extension()
    {
        var patient = Ok(Map(MariePid));

        patient.Telecom!.Select(t => (t.System, t.Value, t.Use)).Should().Equal(
            (ContactPoint.ContactPointSystem.Phone, "+1 514 5551234", ContactPoint.ContactPointUse.Home),
            (ContactPoint.ContactPointSystem.Email, "marie.cote@example.ca", ContactPoint.ContactPointUse.Home),
            (ContactPoint.ContactPointSystem.Phone, "+1 514 5550000", ContactPoint.ContactPointUse.Mobile),
            (ContactPoint.ContactPointSystem.Phone, "+1 514 5559876 x22", ContactPoint.ContactPointUse.Work));
    }

    [Fact]
    public void Language_and_marital_status_are_coded()
    {
        var patient = Ok(Map(MariePid));

        var language = patient.Communication!.Single();
        language.Preferred.Should().BeTrue();
        language.Language.Coding.Single().ShouldBeExactly(new Coding { System = "urn:ietf:bcp:47", Code = "fr" });
        language.Language.Text.Should().Be("Français");
        patient.MaritalStatus!.Coding!.Single().Should().BeEquivalentTo(new { System = "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus", Code = "M" }, o => o.ExcludingMissingMembers());
    }

    [Theory]
    [InlineData("20240715143000", "2024-07-15T14:30:00-04:00")]
    [InlineData("20240115143000", "2024-01-15T14:30:00-05:00")]
    [InlineData("20240115143000+0100", "2024-01-15T14:30:00+01:00")]
    [InlineData("20240115", "2024-01-15")]
    public void Death_date_time_takes_the_offset_of_the_establishment_zone_on_that_day(string pid29, string expected)
    {
        var patient = Ok(Map($"PID|1||1^^^NIM^MR||Côté^Marie||19850615|F|||||||||||||||||||||{pid29}|Y"));

        patient.DeceasedDateTime.Should().Be(expected);
        patient.DeceasedBoolean.Should().BeNull("deceased[x] is one choice");
    }

    [Theory]
    [InlineData("Y", true)]
    [InlineData("N", false)]
    [InlineData("", null)]
    public void Death_indicator_alone_is_deceasedBoolean(string pid30, bool? expected)
    {
        var patient = Ok(Map($"PID|1||1^^^NIM^MR||Côté^Marie||19850615|F||||||||||||||||||||||{pid30}"));

        patient.DeceasedBoolean.Should().Be(expected);
        patient.DeceasedDateTime.Should().BeNull();
    }

    [Fact]
    public void An_ISO_8859_1_message_parsed_from_bytes_keeps_its_accents()
    {
        var message = Parse(Latin1Bytes(JeanA04Latin1Text()));
        var patient = Ok(new PidMapper(_senders.Establishments).Map(message.Pid()!, _senders.Establishments.ByCode("MCQ")!));

        message.Msh.CharacterSet.Should().Be("8859/1");
        patient.Name!.Single().Family.Should().Be("Bélanger");
        patient.Name![0].Given.Should().Equal("Jean", "François");
        patient.Address!.Single().Line.Should().Equal("12 rue de l'Église");
        patient.Address![0].City.Should().Be("Québec");
        patient.Identifier!.Select(i => (i.System, i.Value)).Should().Equal(("urn:dsn:mrn:mcq", "A-0042"), (NamSystem, JeanNam));
        patient.Telecom!.Single().Value.Should().Be("(418)555-0199");
    }
}
