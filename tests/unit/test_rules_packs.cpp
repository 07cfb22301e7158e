// The default packs on posts in the shapes people write them: victims
// telling what happened to them and asking what to do, and the everyday
// sentences that share their words. The measured figures on real posts are
// in docs/BENCHMARKS.md (rules stats, bench/unseen.py); these cases keep
// what they rest on from silently breaking.

#include <wijkwacht/rules.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

using namespace wijkwacht;

namespace {

const RuleSet& packs() {
    static const RuleSet set =
        RuleSet::load({std::filesystem::path(WIJKWACHT_SOURCE_DIR) / "rules" / "packs"});
    return set;
}

std::set<std::string> categories_of(const std::string& lang, const std::string& text) {
    Post post;
    post.source = "test";
    post.platform = "mastodon";
    post.id = "1";
    post.lang = lang;
    post.text = text;
    std::set<std::string> out;
    for (const auto& m : packs().evaluate(post))
        out.insert(m.category);
    return out;
}

struct Case {
    const char* lang;
    const char* text;
    std::vector<const char*> want; // every one of these; empty: no alert at all
};

void check_cases(const std::vector<Case>& cases) {
    for (const auto& c : cases) {
        const auto got = categories_of(c.lang, c.text);
        std::string got_list;
        for (const auto& g : got)
            got_list += g + " ";
        INFO(std::string(c.text), " -> ", got_list);
        if (c.want.empty())
            CHECK(got.empty());
        for (const char* w : c.want)
            CHECK(got.count(w) == 1);
    }
}

} // namespace

TEST_CASE("packs: sexual offences as the person they happened to tells them") {
    check_cases({
        {"en", "he groped me on the bus this morning and nobody did anything", {"crime.sexual"}},
        {"en",
         "A man kept touching me on the train and followed me when I got off",
         {"crime.sexual"}},
        {"en", "guy flashed me at the park near the station", {"crime.sexual"}},
        {"en", "some creep rubbed himself against me in the crowded metro", {"crime.sexual"}},
        {"en", "he tried to grab my breasts while I was walking home", {"crime.sexual"}},
        {"en", "a stranger touched my thigh and stomach very badly", {"crime.sexual"}},
        {"en",
         "my boss sexually harassed me for months, what can I do?",
         {"crime.sexual", "victim.help"}},
        {"nl", "vanavond werd ik betast in de trein door een man", {"crime.sexual"}},
        {"nl", "een man greep me vast en probeerde me te zoenen", {"crime.sexual"}},
        {"nl", "een jongen heeft zich voor mij ontbloot in het park", {"crime.sexual"}},
        {"nl", "hij kneep in mijn billen bij de kassa", {"crime.sexual"}},
    });
}

TEST_CASE("packs: touch, appeal, threaten and shot in their everyday senses are no alert") {
    check_cases({
        {"en", "Your story really touched me, thank you for sharing", {}},
        {"en", "Keep in touch and see you on the bus tomorrow", {}},
        {"en", "Wildfires threaten homes near Colorado Springs", {}},
        {"en", "Typhoon threatening to hit the Philippines tonight", {}},
        {"en", "Please donate to the Red Cross flood appeal to help families", {}},
        {"en", "Images of the fire front from the helicopter", {}},
        {"en", "Aerial shot of the passenger train that derailed", {}},
        {"en", "Quake hits central island, killing at least 4", {}},
        {"en", "Urgent help needed for typhoon victims, donate now http://example.org", {}},
        {"en", "Enter our summer sweepstakes! Grand prize: a holiday! http://example.org", {}},
        {"nl", "De storm bedreigt de oogst in Zeeland", {}},
        {"nl", "Mijn auto heeft zoveel krassen dat ik hem vies laat", {}},
        {"en", "Awful knee injury for our captain, maybe career threatening, in a friendly", {}},
        {"en", "Airline threatened with boycott over its new logo", {}},
        {"nl", "Omroep start een vierdelige serie over misdaadzaken", {}},
    });
}

TEST_CASE("packs: a Dutch 'serie' of crimes is no television series") {
    check_cases({
        {"nl", "Vier mannen opgepakt voor serie plofkraken in Duitsland", {"crime.explosion"}},
        {"nl", "Verdachten opgepakt voor serie woninginbraken", {"crime.burglary"}},
    });
}

TEST_CASE("packs: witness appeals keep their case, charity appeals do not count") {
    check_cases({
        {"en",
         "Can you help? Officers still want to trace the two men pictured.",
         {"public.witness_appeal"}},
        {"en",
         "We are appealing for information after a woman was found injured in the park",
         {"public.witness_appeal"}},
        {"en",
         "Officers appeal for any footage of the incident on the high street",
         {"public.witness_appeal"}},
        {"en", "Thank you to everyone who donated to our Christmas tree appeal", {}},
    });
}

TEST_CASE("packs: victims asking what to do get victim.help with the crime") {
    check_cases({
        {"en",
         "someone stole my phone on the tram, how do I report it?",
         {"crime.theft", "victim.help"}},
        {"en", "Where do I report a stolen bike in Amsterdam?", {"crime.theft", "victim.help"}},
        {"en",
         "I was assaulted outside a bar on Saturday, do I need to go to the police?",
         {"crime.violence", "victim.help"}},
        {"nl",
         "er is vannacht bij ons ingebroken, hoe doe ik aangifte?",
         {"crime.burglary", "victim.help"}},
        {"nl", "ik ben opgelicht via marktplaats, wat nu?", {"crime.fraud", "victim.help"}},
        {"nl", "Waarom moet ik verplicht stoppen met werken? Mijn bureau is al leeg", {}},
    });
}

TEST_CASE("packs: stalking, taken-over accounts, scam links and damaged cars") {
    check_cases({
        {"en", "was catcalled and followed home by two men last night", {"crime.threat"}},
        {"nl", "ik word al weken gestalkt door mijn ex", {"crime.threat"}},
        {"nl",
         "iemand heeft mijn whatsapp overgenomen en vraagt geld aan mijn vrienden",
         {"crime.cyber"}},
        {"en", "someone hacked my instagram and is asking my friends for money", {"crime.cyber"}},
        {"en",
         "got a text about my parcel, clicked the link and now money is gone from my account",
         {"crime.fraud"}},
        {"nl",
         "sms over een pakketje, op de link geklikt en nu is er geld van mijn rekening weg",
         {"crime.fraud"}},
        {"en", "someone keyed my car and slashed the tyres overnight", {"crime.vandalism"}},
        {"en", "a man on a bike snatched my bag on the way home from school", {"crime.robbery"}},
        {"nl", "vannacht zijn bij ons in de straat alle banden lekgestoken", {"crime.vandalism"}},
    });
}

TEST_CASE("packs: crime in general, commemorations and accidents are no alert") {
    check_cases({
        {"en", "Why Our Towns Keep Failing Burglary Victims", {}},
        {"en", "How To Stop Thieves Taking Your Parcels This Winter", {}},
        {"en", "Mass Shootings Are Rising, A New Report Warns", {}},
        {"en", "Teen Dies After Accidental Shooting At Hunting Lodge", {}},
        {"en", "PC Jones has won the Officer of the Year award, call it well deserved", {}},
        {"nl", "Stad herdenkt aanslag van tien jaar geleden met stille tocht", {}},
        {"nl", "Een meerderheid ziet georganiseerde misdaad als een bedreiging", {}},
        {"nl", "Gemeente wil meedoen aan het wietexperiment met legaal geteelde wiet", {}},
        {"nl", "Zwemmer vermist voor de kust, zoekactie gestaakt", {}},
        {"nl", "Oud-wielrenner heeft zich van het leven beroofd", {}},
    });
}

TEST_CASE("packs: court news on a death, a killing in Dutch idiom, threats named with a case") {
    check_cases({
        {"en", "Father Arrested In Death Of Infant Son, Police Say", {"crime.violence"}},
        {"en", "Nurse Acquitted In Death Of Elderly Patient", {"crime.violence"}},
        {"en", "Two Brothers Convicted Over Toddler's Death In Fall", {"crime.violence"}},
        {"nl",
         "Verdachte ontkent dat hij zijn buurman van het leven heeft beroofd",
         {"crime.violence"}},
        {"nl", "Man (34) aangehouden na bedreiging van buschauffeur", {"crime.threat"}},
        {"nl", "Winkel dicht na bedreiging van personeel met een mes", {"crime.threat"}},
        {"nl", "Man met de dood bedreigd door zijn ex-vriendin", {"crime.threat"}},
        {"en", "Wanted: Jordan Smith, 27, who has links to Salford", {"public.witness_appeal"}},
        {"en",
         "Officers are concerned for the welfare of a 15-year-old girl from Leeds",
         {"public.missing"}},
        {"en", "4-Year-Old Boy Disappears From Family Campsite", {"public.missing"}},
        {"en", "a man on the bus put his hand on my thigh and grabbed my waist", {"crime.sexual"}},
        {"en", "somebody pinched me in the crowded train this morning", {"crime.sexual"}},
    });
}

TEST_CASE("packs: Dutch neighbours telling what happened in their street") {
    check_cases({
        {"nl",
         "Vannacht bij de buren de autoruit ingeslagen, tas van de stoel weg",
         {"crime.vandalism"}},
        {"nl",
         "Appje van 'mijn zoon' met een nieuw nummer, 750 euro overgemaakt en nu is hij "
         "onbereikbaar",
         {"crime.fraud"}},
        {"nl", "Om 4 uur een knal, de voordeur van nummer 12 is opgeblazen", {"crime.explosion"}},
        {"nl",
         "Ik werd aangereden op de rotonde en de automobilist reed gewoon door",
         {"crime.traffic"}},
        {"nl",
         "Vannacht probeerde iemand bij ons in te breken via de achterdeur",
         {"crime.burglary"}},
        {"nl", "Jongen met mes gezien bij het station, politie is onderweg", {"crime.weapons"}},
    });
}

TEST_CASE("packs: court outcomes, fugitives and missing people as police write them") {
    check_cases({
        {"en",
         "Harbour Town Man Sentenced To 12 Years For Beating His Neighbour",
         {"crime.violence"}},
        {"en",
         "A 40-year-old man has been sentenced for a string of thefts in Hove",
         {"crime.theft"}},
        {"en",
         "Cafe owner charged with 3 offences of indecent assault on teenagers",
         {"crime.sexual"}},
        {"en",
         "Man convicted of grievous bodily harm after a fight outside a bar",
         {"crime.violence"}},
        {"en",
         "Courier jailed after perverting the course of justice with a false alibi",
         {"crime.fraud"}},
        {"en",
         "Burglar who went on the run before his trial is back in prison",
         {"public.witness_appeal"}},
        {"en", "Tomasz could be in Swindon - have you seen him?", {"public.missing"}},
        {"en", "Aisha, 15, has been missing since Tuesday evening", {"public.missing"}},
        {"en",
         "Driver jailed after the crash that killed a cyclist on the ring road",
         {"crime.traffic"}},
        {"en",
         "Shots were fired near the library on Elm Street, avoid the area",
         {"crime.violence"}},
        {"en", "Body Of Missing Hiker Found In Barrel Behind Motel", {"crime.violence"}},
        {"nl",
         "Automobilist aangehouden na aanrijding met fietser, taxichauffeur gewond",
         {"crime.traffic"}},
        {"nl", "Fietser aangereden door auto die door rood licht reed", {"crime.traffic"}},
        {"nl",
         "Buurman (52) verdacht van betrokkenheid bij dood van vrouw in Zwolle",
         {"crime.violence"}},
        {"nl",
         "Man aangehouden voor bezit van wapens en munitie (Wet wapens en munitie)",
         {"crime.weapons"}},
        {"nl",
         "Bewoners zagen twee jongens wegrennen na de autobrand in de nacht",
         {"crime.explosion"}},
    });
}

TEST_CASE("packs: advice, handles and accidents that share crime words are no alert") {
    check_cases({
        {"en", "Did you know that checking a partner's phone in secret can be domestic abuse?", {}},
        {"en", "If you are worried about a stalker, there is help for you: call 101", {}},
        {"en", "Don't leave your bike unlocked, thieves only need a minute", {}},
        {"en", "Make sure you keep your car keys away from the front door", {}},
        {"en", "Can you help us trace the next of kin of Mr Hall, who died at home in Hulme?", {}},
        {"en", "@city_arsonist lol same", {}},
        {"en", "Small Plane Crashes Into Field, Killing 2 On Board", {}},
        {"en", "Shark Kills Swimmer Off Popular Beach", {}},
        {"nl", "Herken jij jezelf hierin? Te hoge huur, geen woning: laat het ons weten", {}},
        {"nl", "Tien jaar geleden de aanslag op de markt: stad staat even stil", {}},
        {"nl", "Daar moeten we als samenleving mee dealen, zegt de wethouder", {}},
        {"nl", "Waarom zoveel jongeren een mes op zak hebben", {}},
    });
}

TEST_CASE("packs: every crime rule leaves figures of speech alone") {
    check_cases({
        {"en", "My little brother says I kidnapped his teddy bear on accident", {}},
        {"en", "I deleted the whole folder on accident, the hackers would be proud", {}},
        {"en", "Deleted my own draft on accident, total vandalism of my own work", {}},
        {"en", "Knife-sharp jokes tonight, she was killing it on stage", {}},
    });
}

TEST_CASE("packs: standoffs, thrown stones, escaped inmates and a rising death toll") {
    check_cases({
        {"en",
         "Armed suspect in a standoff with police at a farmhouse near Elgin",
         {"crime.violence"}},
        {"en", "Deputy fires shots while arresting a man at a motel", {"crime.violence"}},
        {"en", "Teen accused of hurling rocks at passing cars from a bridge", {"crime.violence"}},
        {"en", "Farmer shoots son during a row over land", {"crime.violence"}},
        {"en",
         "Two escaped inmates seen near the county line, sheriff says",
         {"public.witness_appeal"}},
        {"en", "Supermarket in lockdown after a man took a hostage", {"crime.violence"}},
        {"en", "Bike thefts surge in the city centre this autumn", {}},
        {"en", "People who live in glass houses should not throw stones", {}},
        {"nl", "Brandweer met stenen bekogeld bij blussen van containerbrand", {"crime.violence"}},
        {"nl", "Verdachte aangehouden nadat man op straat werd onthoofd", {"crime.violence"}},
        {"nl",
         "Dodental na de bomaanslag op het station is gestegen naar twaalf",
         {"crime.explosion"}},
        {"nl", "Wandelaars in de bergen overvallen door zware storm", {}},
        {"nl", "Het bedrijf is onthoofd sinds het vertrek van de directeur", {}},
    });
}

TEST_CASE(
    "packs: competitions are no scam, arson told as setting fires, nude photos as a sex offence") {
    check_cases({
        {"en", "Weekly trivia comp: txt QUIZ to 80123 for a chance to win £200 cash", {}},
        {"en", "U have won a £900 prize! To claim call 09061234567 now", {"crime.fraud"}},
        {"en", "Neighbour admits setting three fires on the allotments", {"crime.explosion"}},
        {"en", "Checking your phone and your bank app? This could be domestic abuse", {}},
        {"nl",
         "Jongen (17) aangehouden voor verspreiden van naaktfoto's van klasgenote",
         {"crime.sexual"}},
        {"nl", "Verdachten smeedden een plan om de getuige te doden", {"crime.threat"}},
        {"nl", "Recherche onderzoekt drie autobranden in de Vogelwijk", {"crime.explosion"}},
    });
}

TEST_CASE("packs: harm told with everyday verbs, chases and fraud admitted") {
    check_cases({
        {"en", "Stepfather accused of pouring bleach into a toddler's drink", {"crime.violence"}},
        {"en", "Someone dumped six puppies in a ditch and left them to die", {"crime.violence"}},
        {"en", "Man threw his girlfriend's cat off a balcony in Leeds", {"crime.violence"}},
        {"en", "Baby's body found in a park pond", {"crime.violence"}},
        {"en", "Cyclist pushed a child out of the way of a falling branch", {}},
        {"nl",
         "Man van het perron geduwd op station Zwolle, verdachte gevlucht",
         {"crime.violence"}},
        {"nl", "Bestuurder aangehouden na achtervolging door Tiel", {"crime.traffic"}},
        {"nl", "Jongeren racen op de openbare weg in Emmen", {"crime.traffic"}},
        {"nl", "Oud-wethouder bekent subsidiefraude bij sportclub", {"crime.fraud"}},
        {"nl", "Het is nu bekend hoeveel fraude de toeslagen hebben gekost", {}},
    });
}

TEST_CASE("packs: escaped killers, hidden bodies, blown-up machines and shots to the head") {
    check_cases({
        {"en", "Escaped killer caught hiding in a barn after three days", {"crime.violence"}},
        {"en", "Man hid his brother's body in a freezer for months", {"crime.violence"}},
        {"en", "Thieves tried to blow up a cash machine in the high street", {"crime.explosion"}},
        {"en", "Air rifle pellets shattered the bus shelter window overnight", {"crime.vandalism"}},
        {"en", "Burglaries often increase when the clocks go back", {}},
        {"nl", "Twee bankovervallers op de vlucht na overval in Venlo", {"crime.robbery"}},
        {"nl", "Man van dichtbij in het hoofd geschoten in Almere-Buiten", {"crime.violence"}},
        {"nl", "Jager per ongeluk in het hoofd geschoten tijdens drijfjacht", {}},
    });
}

TEST_CASE("packs: a doorbell camera filming a parcel taken from the doorstep") {
    check_cases({
        {"nl",
         "Onze deurbelcamera filmde hoe een man het pakketje van de stoep pakte",
         {"footage.shared", "crime.theft.parcel"}},
        {"nl", "De deurbelcamera zag de bezorger het pakketje bij de voordeur zetten", {}},
    });
}

TEST_CASE("packs: 'do you recognise this man' points at a picture, even without media") {
    check_cases({
        {"en",
         "Do you recognise this man in a green coat? Officers are looking into a van theft in "
         "Otley",
         {"footage.shared", "public.witness_appeal"}},
        {"nl", "Wie herkent deze man? Hij stal zaterdag een scooter in Gouda", {"footage.shared"}},
        {"en", "Video shows a delivery driver punching a shop worker in Hull", {"footage.shared"}},
        {"nl", "Herken jij dit? Deel je verhaal over de huurcrisis met ons", {}},
        {"nl", "Herkent u zich in deze klachten over de wooncrisis?", {}},
    });
}

TEST_CASE("packs: terror attacks, weapons pointed at people and threats near a case are threats") {
    check_cases({
        {"en", "Man pulls a knife on a bus driver in Slough, police say", {"crime.threat"}},
        {"en", "Militants attacked a police checkpoint, two officers injured", {"crime.threat"}},
        {"en", "Suicide bombing at a market kills at least nine", {"crime.threat"}},
        {"en", "Student arrested over online threats against his school", {"crime.threat"}},
        {"en", "my little sister is a suicide bomb of glitter", {}},
        {"nl", "Aanslagpleger station Utrecht hoort levenslang eisen", {"crime.threat"}},
        {"nl", "Europa wil informatie over terroristen beter met elkaar delen", {}},
    });
}

TEST_CASE("packs: shootings and stabbings told without the weapon's name carry crime.weapons") {
    check_cases({
        {"en", "Teenager shot in the leg outside a corner shop in Moss Side", {"crime.weapons"}},
        {"en", "Two men held after a shootout with deputies on a ranch road", {"crime.weapons"}},
        {"en",
         "Officers want witnesses to the armed robbery of a Leyland petrol station",
         {"crime.weapons"}},
        {"nl", "Steekincident bij station Zwolle, man zwaargewond", {"crime.weapons"}},
        {"nl", "Man doodgestoken in portiek in Den Haag", {"crime.weapons"}},
        {"nl", "Dat besluit is de doodsteek voor het hele plan", {}},
    });
}

TEST_CASE("packs: violent robberies and guns fired are violence as well") {
    check_cases({
        {"en", "Witnesses sought after a violent robbery on the number 42 bus", {"crime.violence"}},
        {"en", "Neighbours heard gun shots near the allotments last night", {"crime.violence"}},
        {"nl",
         "Bejaard echtpaar slachtoffer van gewelddadige woningoverval in Ede",
         {"crime.violence"}},
    });
}

TEST_CASE("packs: paying with a stolen bank card is fraud, acting indecently a sexual offence") {
    check_cases({
        {"nl", "Onbekende vrouw pint in Gouda met gestolen pas van bejaarde", {"crime.fraud"}},
        {"en", "Stolen debit card used at three shops in Keighley within an hour", {"crime.fraud"}},
        {"en", "Man arrested after acting indecently on a train near Bath", {"crime.sexual"}},
        {"en", "Reality television is pure voyeurism, says critic", {}},
    });
}

TEST_CASE(
    "packs: police asking for or sharing pictures, chases, court on a collision, fire opened") {
    check_cases({
        {"nl",
         "Recherche Deventer zoekt beeldmateriaal van de vechtpartij op het Brink",
         {"footage.shared", "public.witness_appeal"}},
        {"nl", "Politie deelt foto van verwarde onbekende man in Assen", {"public.witness_appeal"}},
        {"en",
         "Stolen pickup leads troopers on a high-speed chase along the interstate",
         {"crime.traffic"}},
        {"nl",
         "Automobilist krijgt taakstraf: rechtbank vindt dat hij schuld heeft aan de aanrijding "
         "met een fietser",
         {"crime.traffic"}},
        {"nl", "Onbekenden openden het vuur op een café in Tilburg", {"crime.weapons"}},
        {"nl", "Twee teruggekeerde Syriëgangers horen vijf jaar cel eisen", {"crime.threat"}},
        {"nl",
         "Drie mannen voor de rechter voor seksuele uitbuiting van jonge vrouwen",
         {"crime.sexual"}},
        {"en", "Assailant punches bus driver in Halifax, police say", {"crime.violence"}},
        {"en", "Our teams have driven down burglaries across the borough this year", {}},
        {"nl", "Utrecht koploper met fietsdiefstallen, blijkt uit nieuwe cijfers", {}},
    });
}

TEST_CASE("packs: attacks after the fact, spitting at workers, quad bikes, separable Dutch verbs") {
    check_cases({
        {"en",
         "A paramedic needed stitches after being attacked outside a pub in Rochdale",
         {"crime.violence"}},
        {"en", "Teen charged after he spat at a train guard in Preston", {"crime.violence"}},
        {"en",
         "Farmer appeals for help after his quad bike was stolen overnight",
         {"crime.theft.vehicle"}},
        {"nl", "Man stak zijn buurman dood na ruzie over een schutting", {"crime.violence"}},
        {"nl", "Jongeren gooiden stenen naar de bus in Kanaleneiland", {"crime.violence"}},
        {"nl", "Bestelbusje schept fietser en rijdt door in Venlo", {"crime.traffic"}},
        {"nl",
         "Zestig soldaten vermist na gevecht met opstandelingen bij militaire patrouille",
         {}},
        {"nl", "Dat examen kan me gestolen worden, zegt de zanger", {}},
        {"en", "Even when you're in, keep doors and windows locked: burglars try handles", {}},
    });
}

TEST_CASE(
    "packs: attacked or abused by someone, nude videos posted, rioting in court, falls no crime") {
    check_cases({
        {"en", "Cyclist attacked by gang of teenagers on canal towpath", {"crime.violence"}},
        {"en", "Pupil abused by school bus driver, mother tells court", {"crime.violence"}},
        {"en",
         "Care worker charged after posting naked photos of a resident online",
         {"crime.sexual"}},
        {"en", "Two fans jailed for rioting outside the stadium in Cardiff", {"crime.violence"}},
        {"en",
         "Detectives are appealing for anyone who saw or heard anything in Elm Road",
         {"public.witness_appeal"}},
        {"en", "Man killed by tree that fell on his van during the gale", {}},
        {"en", "Figures show a drop in burglaries across the county this spring", {}},
        {"nl", "Man die poederbrieven naar ministeries stuurde opgepakt", {"crime.threat"}},
    });
}
