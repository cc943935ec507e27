using System.Collections.Frozen;
using System.Text;

namespace Messenger.Features.Messages.SearchMessages;

public static partial class SearchMessages
{
    public static partial class Words
    {
        /// <summary>
        /// A word as utf8mb4_unicode_ci compares it, as text: lower case (the service runs with
        /// invariant globalization, which lower-cases but knows no accents), every letter the
        /// collation weighs like a plain one replaced by it ("é" by "e", "ß" by "ss", "ﬁ" by "fi"),
        /// and the combining marks it ignores left out. Two words are equal under the collation
        /// when their folds are, and one starts the other when its fold starts the other's.
        /// </summary>
        public static string Fold(string word)
        {
            var folded = new StringBuilder(word.Length);
            foreach (var c in word)
                folded.Append(Folds.TryGetValue(c, out var plain) ? plain : char.ToLowerInvariant(c).ToString());
            return folded.ToString();
        }

        private static IEnumerable<KeyValuePair<char, string>> Table()
        {
            foreach (var (plain, letters) in Plain)
                foreach (var letter in letters)
                    yield return new(letter, plain);
            foreach (var (first, last) in Ignored)
                for (var mark = first; mark <= last; mark++)
                    yield return new(mark, "");
        }

        /// <summary>
        /// The collation's equal weights, read from MariaDB 10.11 with WEIGHT_STRING over Latin,
        /// Greek and Cyrillic (U+00C0-U+052F, U+1E00-U+1FFF), superscript digits, ligatures and
        /// full-width forms: each letter listed weighs what its plain form does, lower case.
        /// Letters the collation keeps apart stay apart ("ø", "ł", "й" are not "o", "l", "и").
        /// SearchMessagesTests holds every entry to the database in use.
        /// </summary>
        public static readonly IReadOnlyDictionary<string, string> Plain = new Dictionary<string, string>
        {
        ["0"] = "０",
        ["1"] = "¹１",
        ["2"] = "²２",
        ["3"] = "³３",
        ["4"] = "４",
        ["5"] = "５",
        ["6"] = "６",
        ["7"] = "７",
        ["8"] = "８",
        ["9"] = "９",
        ["a"] = "ªÀÁÂÃÄÅàáâãäåĀāĂăĄąǍǎǞǟǠǡǺǻȀȁȂȃȦȧͣḀḁẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặＡａ",
        ["aʾ"] = "ẚ",
        ["b"] = "ḂḃḄḅḆḇＢｂ",
        ["c"] = "ÇçĆćĈĉĊċČčͨḈḉＣｃ",
        ["d"] = "ĎďͩḊḋḌḍḎḏḐḑḒḓＤｄ",
        ["dz"] = "ǄǅǆǱǲǳʣ",
        ["dʑ"] = "ʥ",
        ["dʒ"] = "ʤ",
        ["e"] = "ÈÉÊËèéêëĒēĔĕĖėĘęĚěȄȅȆȇȨȩͤḔḕḖḗḘḙḚḛḜḝẸẹẺẻẼẽẾếỀềỂểỄễỆệＥｅ",
        ["f"] = "ḞḟＦｆ",
        ["ff"] = "ﬀ",
        ["ffi"] = "ﬃ",
        ["ffl"] = "ﬄ",
        ["fi"] = "ﬁ",
        ["fl"] = "ﬂ",
        ["fŋ"] = "ʩ",
        ["g"] = "ĜĝĞğĠġĢģǦǧǴǵḠḡＧｇ",
        ["h"] = "ĤĥȞȟʰͪḢḣḤḥḦḧḨḩḪḫẖＨｈ",
        ["i"] = "ÌÍÎÏìíîïĨĩĪīĬĭĮįİǏǐȈȉȊȋͥḬḭḮḯỈỉỊịＩｉ",
        ["ij"] = "Ĳĳ",
        ["j"] = "ĴĵǰʲＪｊ",
        ["k"] = "ĶķǨǩḰḱḲḳḴḵＫｋ",
        ["l"] = "ĹĺĻļĽľˡḶḷḸḹḺḻḼḽＬｌ",
        ["lj"] = "Ǉǈǉ",
        ["ls"] = "ʪ",
        ["lz"] = "ʫ",
        ["m"] = "ͫḾḿṀṁṂṃＭｍ",
        ["n"] = "ÑñŃńŅņŇňǸǹṄṅṆṇṈṉṊṋＮｎ",
        ["nj"] = "Ǌǋǌ",
        ["o"] = "ºÒÓÔÕÖòóôõöŌōŎŏŐőƠơǑǒǪǫǬǭȌȍȎȏȪȫȬȭȮȯȰȱͦṌṍṎṏṐṑṒṓỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợＯｏ",
        ["oe"] = "Œœ",
        ["p"] = "ṔṕṖṗＰｐ",
        ["q"] = "Ｑｑ",
        ["r"] = "ŔŕŖŗŘřȐȑȒȓʳͬṘṙṚṛṜṝṞṟＲｒ",
        ["s"] = "ŚśŜŝŞşŠšſȘșˢṠṡṢṣṤṥṦṧṨṩẛＳｓ",
        ["ss"] = "ß",
        ["st"] = "ﬅﬆ",
        ["t"] = "ŢţŤťȚțͭṪṫṬṭṮṯṰṱẗＴｔ",
        ["ts"] = "ƾʦ",
        ["tɕ"] = "ʨ",
        ["tʃ"] = "ʧ",
        ["u"] = "ÙÚÛÜùúûüŨũŪūŬŭŮůŰűŲųƯưǓǔǕǖǗǘǙǚǛǜȔȕȖȗͧṲṳṴṵṶṷṸṹṺṻỤụỦủỨứỪừỬửỮữỰựＵｕ",
        ["v"] = "ͮṼṽṾṿＶｖ",
        ["w"] = "ŴŵʷẀẁẂẃẄẅẆẇẈẉẘＷｗ",
        ["x"] = "ˣͯẊẋẌẍＸｘ",
        ["y"] = "ÝýÿŶŷŸȲȳʸẎẏẙỲỳỴỵỶỷỸỹＹｙ",
        ["z"] = "ŹźŻżŽžẐẑẒẓẔẕＺｚ",
        ["zw"] = "ƍ",
        ["æ"] = "ǢǣǼǽ",
        ["ø"] = "Ǿǿ",
        ["ɣ"] = "ˠ",
        ["ɦ"] = "ʱ",
        ["ɹ"] = "ʴ",
        ["ɻ"] = "ʵ",
        ["ʁ"] = "ʶ",
        ["ʒ"] = "Ǯǯ",
        ["ʕ"] = "ˤ",
        ["ʹ"] = "ʹ",
        ["ʼn"] = "ŉ",
        ["α"] = "ΆάἀἁἂἃἄἅἆἇἈἉἊἋἌἍἎἏὰάᾀᾁᾂᾃᾄᾅᾆᾇᾈᾉᾊᾋᾌᾍᾎᾏᾰᾱᾲᾳᾴᾶᾷᾸᾹᾺΆᾼ",
        ["β"] = "ϐ",
        ["ε"] = "ΈέϵἐἑἒἓἔἕἘἙἚἛἜἝὲέῈΈ",
        ["η"] = "ΉήἠἡἢἣἤἥἦἧἨἩἪἫἬἭἮἯὴήᾐᾑᾒᾓᾔᾕᾖᾗᾘᾙᾚᾛᾜᾝᾞᾟῂῃῄῆῇῊΉῌ",
        ["θ"] = "ϑ",
        ["ι"] = "ͺΊΐΪίϊἰἱἲἳἴἵἶἷἸἹἺἻἼἽἾἿὶίιῐῑῒΐῖῗῘῙῚΊ",
        ["κ"] = "ϰ",
        ["και"] = "ϗ",
        ["μ"] = "µ",
        ["ο"] = "ΌόὀὁὂὃὄὅὈὉὊὋὌὍὸόῸΌ",
        ["π"] = "ϖ",
        ["ρ"] = "ϱῤῥῬ",
        ["σ"] = "ςϲϹ",
        ["υ"] = "ΎΫΰϋύϒϓϔὐὑὒὓὔὕὖὗὙὛὝὟὺύῠῡῢΰῦῧῨῩῪΎ",
        ["φ"] = "ϕ",
        ["ω"] = "ΏώὠὡὢὣὤὥὦὧὨὩὪὫὬὭὮὯὼώᾠᾡᾢᾣᾤᾥᾦᾧᾨᾩᾪᾫᾬᾭᾮᾯῲῳῴῶῷῺΏῼ",
        ["г"] = "Ґґ",
        ["е"] = "ЀЁѐё",
        ["ж"] = "Ӂӂ",
        ["и"] = "ЍѝӢӣ",
        ["у"] = "Ӯӯ",
        };

        /// <summary>The combining marks the collation gives no weight at all (accents typed as a separate character).</summary>
        public static readonly (char First, char Last)[] Ignored = [('\u0300', '\u0357'), ('\u035D', '\u0362'), ('\u0483', '\u0486'), ('\u0488', '\u0489')];

        /// <summary>The letters the collation weighs as two or more plain ones ("ß" as "ss", "ﬁ" as "fi"), with those.</summary>
        public static readonly IReadOnlyList<KeyValuePair<char, string>> Expansions =
            Plain.Where(p => p.Key.Length > 1).SelectMany(p => p.Value.Select(letter => KeyValuePair.Create(letter, p.Key))).ToList();

        // After the two tables it is built from: static fields start in the order they are written.
        private static readonly FrozenDictionary<char, string> Folds = Table().ToFrozenDictionary();
    }
}
