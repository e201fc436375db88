import Foundation
import Testing
@testable import EvidenceFormats

private func pubMedXMLRead(_ text: String) throws(BibliographicSyntaxError) -> [Citation] {
    try PubMedXMLReader.read(Data(text.utf8))
}

@Suite struct PubMedXMLReaderTests {
    @Test func readsEveryArticleOfAnEfetchResponse() throws {
        let citations = try PubMedXMLReader.read(FixtureFiles.data("pubmed-efetch.xml"))
        #expect(citations.map(\.pmid) == ["21380937", "38258677", "29523156"])
    }

    /// The same study arrives as RIS and MEDLINE too: title, year and ids must match the reference list exactly.
    @Test func smith2011MatchesTheReferenceList() throws {
        let smith = try #require(try PubMedXMLReader.read(FixtureFiles.data("pubmed-efetch.xml")).first)
        #expect(smith.title == "Therapy with the opioid antagonist naltrexone promotes mucosal healing in active Crohn's disease: a randomized placebo-controlled trial.")
        #expect(smith.year == 2011)
        #expect(smith.journal == "Dig Dis Sci")
        #expect(smith.pmid == "21380937")
        #expect(smith.doi == "10.1007/s10620-011-1653-7")
        #expect(smith.nct == nil)
        #expect(smith.authors == ["Smith JP"])
        #expect(smith.publicationTypes == ["Journal Article", "Randomized Controlled Trial"])
        #expect(smith.subjects == ["Crohn Disease", "Naltrexone"])
        #expect(smith.abstract?.hasPrefix("In this double-blind trial, 40 patients") == true)
        #expect(smith.dropped.isEmpty)
    }

    @Test func bruun2024CarriesItsTrialRegistration() throws {
        let bruun = try PubMedXMLReader.read(FixtureFiles.data("pubmed-efetch.xml"))[1]
        #expect(bruun.pmid == "38258677")
        #expect(bruun.doi == "10.1016/S2665-9913(23)00278-3")
        #expect(bruun.nct == "NCT04270877")
        #expect(bruun.year == 2024)
        #expect(bruun.journal == "Lancet Rheumatol")
        #expect(bruun.authors == ["Bruun KD"])
        #expect(bruun.subjects == ["Female", "Fibromyalgia", "Naltrexone"])
    }

    /// Labelled parts are joined as MEDLINE's AB field joins them, so both formats give one abstract.
    @Test func structuredAbstractKeepsItsLabels() throws {
        let bruun = try PubMedXMLReader.read(FixtureFiles.data("pubmed-efetch.xml"))[1]
        #expect(bruun.abstract == "METHODS: Single-centre trial in Denmark: 99 women with fibromyalgia were randomly assigned to naltrexone 6 mg (49) or placebo (50) once daily for 12 weeks."
            + " FINDINGS: Pain intensity did not improve more on naltrexone than on placebo."
            + " INTERPRETATION: Naltrexone 6 mg was not superior to placebo for pain intensity.")
    }

    @Test func keywordsAreSubjects() throws {
        let lie = try PubMedXMLReader.read(FixtureFiles.data("pubmed-efetch.xml"))[2]
        #expect(lie.subjects == ["Crohn's disease", "Low dose naltrexone", "Ulcerative colitis"])
        #expect(lie.authors == ["Lie MRKL"])
        #expect(lie.journal == "J Transl Med")
    }

    @Test func eachArticleKnowsItsLinesAndText() throws {
        let data = try FixtureFiles.data("pubmed-efetch.xml")
        let fileLines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let citations = try PubMedXMLReader.read(data)
        #expect(citations.map(\.line) == [4, 58, 125])
        #expect(citations[1].original == fileLines[57..<124].joined(separator: "\n"))
        for citation in citations {
            #expect(citation.original.hasPrefix("<PubmedArticle>\n    <MedlineCitation"))
            #expect(citation.original.hasSuffix("</PubmedData>\n</PubmedArticle>"))
        }
    }

    @Test func medlineDateGivesTheYearAndMedlineTAStandsInForTheJournal() throws {
        let gironi = try PubMedXMLReader.read(FixtureFiles.data("pubmed-variants.xml"))[0]
        #expect(gironi.year == 2008)
        #expect(gironi.journal == "Mult Scler")
        #expect(gironi.doi == "10.1177/1352458508095828")
    }

    @Test(arguments: [("1998 Dec-1999 Jan", 1998), ("2011 Jul-Aug", 2011), ("2008 Sep-Oct", 2008), ("Spring 2019", 2019)])
    func medlineDateYearIsTheFirstFourDigits(text: String, year: Int) {
        #expect(PubMedXMLArticleDraft.firstYear(in: text) == year)
    }

    @Test func inlineMarkupIsReadAsPlainText() throws {
        let variants = try PubMedXMLReader.read(FixtureFiles.data("pubmed-variants.xml"))
        #expect(variants[2].title == "Reduced pro-inflammatory cytokines after eight weeks of low-dose naltrexone for fibromyalgia.")
        #expect(variants[1].abstract?.hasSuffix("18.0% on placebo (p=0.016).") == true)
        // Synthetic: markup in the middle of a word must not add spaces.
        let synthetic = try pubMedXMLRead("""
            <PubmedArticleSet><PubmedArticle><MedlineCitation><Article>
            <ArticleTitle>Synthetic x<sup>2</sup> and H<sub>2</sub>O
                across <b>two</b> lines</ArticleTitle>
            </Article></MedlineCitation></PubmedArticle></PubmedArticleSet>
            """)
        #expect(synthetic.first?.title == "Synthetic x2 and H2O across two lines")
    }

    @Test func articleWithoutPMIDTakesItsIdsFromWhatItHas() throws {
        let variants = try PubMedXMLReader.read(FixtureFiles.data("pubmed-variants.xml"))
        let younger = variants[1], parkitny = variants[2]
        #expect(younger.pmid == nil)
        #expect(younger.nct == "NCT00568555")
        #expect(younger.authors == ["Younger J", "Noor N", "McCue R", "Mackey S"])
        #expect(parkitny.pmid == nil)
        #expect(parkitny.doi == "10.3390/biomedicines5020016") // from ArticleIdList alone
    }

    @Test func truncatedFileNamesTheOpenElementAndLine() throws {
        let error = try #require(FixtureFiles.syntaxError { try PubMedXMLReader.read(try FixtureFiles.data("truncated.xml")) })
        #expect(error.line == 24)
        #expect(error.message == "the XML ends inside <AbstractText> — the file may be truncated")
    }

    @Test func anotherRootIsNotPubMedXML() {
        let error = FixtureFiles.syntaxError { try PubMedXMLReader.read(Data("""
            <?xml version="1.0" encoding="UTF-8" ?>
            <eSearchResult><Count>0</Count></eSearchResult>
            """.utf8)) }
        #expect(error == BibliographicSyntaxError(line: 2, message: "not PubMed XML: the root element is <eSearchResult>"))
    }

    @Test func emptyArticleSetIsAnEmptyFileOfStudies() throws {
        #expect(try pubMedXMLRead("<?xml version=\"1.0\" ?>\n<PubmedArticleSet>\n</PubmedArticleSet>\n").isEmpty)
        #expect(try pubMedXMLRead("<PubmedArticleSet/>").isEmpty)
    }

    @Test func emptyOrNonXMLFileIsAnError() {
        #expect(FixtureFiles.syntaxError { try PubMedXMLReader.read(Data()) }?.message == "the file is empty")
        #expect(FixtureFiles.syntaxError { try PubMedXMLReader.read(Data("PMID- 21380937\n".utf8)) }?.message == "not PubMed XML: no XML element found")
        #expect(FixtureFiles.syntaxError { try PubMedXMLReader.read(Data("ab".utf8)) }?.message == "not PubMed XML: no XML element found")
    }

    @Test func mismatchedClosingTagNamesTheOpenElement() {
        let error = FixtureFiles.syntaxError { try PubMedXMLReader.read(Data("""
            <PubmedArticleSet>
            <PubmedArticle>
            <MedlineCitation>
            <PMID>21380937</PMD>
            </MedlineCitation>
            </PubmedArticle>
            </PubmedArticleSet>
            """.utf8)) }
        #expect(error == BibliographicSyntaxError(line: 4, message: "a closing tag does not match <PMID>, opened on line 4"))
    }

    @Test func mismatchOnTheLastLineIsNotTakenForTruncation() {
        let error = FixtureFiles.syntaxError { try PubMedXMLReader.read(Data("<PubmedArticleSet>\n<PubmedArticle></PubmedArticle>\n</PubmedArticleSe>".utf8)) }
        #expect(error == BibliographicSyntaxError(line: 3, message: "a closing tag does not match <PubmedArticleSet>, opened on line 1"))
    }

    @Test func concatenatedResponsesAreNamed() {
        let once = "<?xml version=\"1.0\" ?>\n<PubmedArticleSet>\n</PubmedArticleSet>\n"
        let error = FixtureFiles.syntaxError { try PubMedXMLReader.read(Data((once + once).utf8)) }
        #expect(error?.line == 4)
        #expect(error?.message == "there is more after </PubmedArticleSet> — several efetch responses in one file? Read them one by one")
    }

    /// Synthetic document: ids inside references and comment links are not the article's own,
    /// a book chapter is skipped, and what is not carried is noted once per kind.
    @Test func onlyTheArticlesOwnElementsCount() throws {
        let citations = try pubMedXMLRead("""
            <PubmedArticleSet>
            <PubmedBookArticle><BookDocument><ArticleTitle>Synthetic chapter</ArticleTitle></BookDocument></PubmedBookArticle>
            <PubmedArticle>
              <MedlineCitation>
                <PMID>21380937</PMID>
                <Article>
                  <ArticleTitle>Synthetic article</ArticleTitle>
                  <AuthorList>
                    <Author><LastName>Example</LastName><ForeName>Anna Maria</ForeName></Author>
                    <Author ValidYN="N"><LastName>Mistaken</LastName><Initials>X</Initials></Author>
                    <Author><CollectiveName>Example Study Group</CollectiveName></Author>
                  </AuthorList>
                  <GrantList><Grant><Agency>Example agency</Agency></Grant><Grant><Agency>Another</Agency></Grant></GrantList>
                  <ArticleDate DateType="Electronic"><Year>2011</Year></ArticleDate>
                </Article>
                <CommentsCorrectionsList>
                  <CommentsCorrections RefType="CommentIn"><RefSource>Synthetic</RefSource><PMID>17222320</PMID></CommentsCorrections>
                </CommentsCorrectionsList>
              </MedlineCitation>
              <PubmedData>
                <ArticleIdList><ArticleId IdType="pubmed">21380937</ArticleId></ArticleIdList>
                <ReferenceList><Reference><Citation>Synthetic</Citation>
                  <ArticleIdList><ArticleId IdType="pubmed">17222320</ArticleId><ArticleId IdType="doi">10.1097/MCG.0b013e3182702f2b</ArticleId></ArticleIdList>
                </Reference></ReferenceList>
              </PubmedData>
            </PubmedArticle>
            </PubmedArticleSet>
            """)
        let article = try #require(citations.first)
        #expect(citations.count == 1)
        #expect(article.line == 3)
        #expect(article.pmid == "21380937")
        #expect(article.doi == nil)
        #expect(article.year == 2011) // ArticleDate, as PubDate is missing
        #expect(article.authors == ["Example AM", "Example Study Group"])
        #expect(article.dropped.map(\.tag) == ["Author", "Grant", "Reference", "CommentsCorrections"])
        #expect(article.dropped.last?.reason.contains("CommentIn") == true)
    }

    @Test func secondTrialRegistrationIsNotedAndPMIDConflictKeepsThePMID() throws {
        let article = try #require(try pubMedXMLRead("""
            <PubmedArticleSet><PubmedArticle>
            <MedlineCitation><PMID>38258677</PMID><Article><DataBankList>
              <DataBank><DataBankName>ClinicalTrials.gov</DataBankName>
                <AccessionNumberList><AccessionNumber>NCT04270877</AccessionNumber><AccessionNumber>NCT00568555</AccessionNumber></AccessionNumberList>
              </DataBank>
            </DataBankList></Article></MedlineCitation>
            <PubmedData><ArticleIdList><ArticleId IdType="pubmed">21380937</ArticleId></ArticleIdList></PubmedData>
            </PubmedArticle></PubmedArticleSet>
            """).first)
        #expect(article.nct == "NCT04270877")
        #expect(article.pmid == "38258677")
        #expect(article.dropped == [
            DroppedField(tag: "ArticleId", reason: "pubmed id 21380937 differs from the PMID 38258677, which is kept"),
            DroppedField(tag: "DataBank", reason: "a record keeps one ClinicalTrials.gov number; not carried: ClinicalTrials.gov NCT00568555"),
        ])
    }

    @Test func encodingDeclarationIsHonoured() throws {
        var data = Data("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<PubmedArticleSet><PubmedArticle><MedlineCitation><Article><ArticleTitle>Synthetic caf".utf8)
        data.append(0xE9)
        data.append(contentsOf: Data("</ArticleTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>\n".utf8))
        let article = try #require(try PubMedXMLReader.read(data).first)
        #expect(article.title == "Synthetic café")
        #expect(article.original.contains("Synthetic café"))
    }

    /// libxml2 stops past 10 MB of input handed to it in one piece ("Huge input lookup"), which
    /// `XMLParser(data:)` does; a year of efetch results is bigger than that.
    @Test func filesOverTenMegabytesAreRead() throws {
        let text = String(decoding: try FixtureFiles.data("pubmed-efetch.xml"), as: UTF8.self)
        let start = try #require(text.range(of: "<PubmedArticle>")), end = try #require(text.range(of: "</PubmedArticleSet>"))
        let articles = String(text[start.lowerBound..<end.lowerBound])
        let repeats = 11_000_000 / articles.utf8.count + 1
        let big = String(text[..<start.lowerBound]) + String(repeating: articles, count: repeats) + "</PubmedArticleSet>\n"
        let citations = try pubMedXMLRead(big)
        #expect(citations.count == 3 * repeats)
        #expect(citations.last?.pmid == "29523156")
    }

    @Test func readsConcurrently() async throws {
        let good = try FixtureFiles.data("pubmed-efetch.xml"), cut = try FixtureFiles.data("truncated.xml")
        let outcomes = await withTaskGroup(of: String.self) { group in
            for index in 0..<16 {
                group.addTask {
                    do throws(BibliographicSyntaxError) {
                        return try PubMedXMLReader.read(index.isMultiple(of: 2) ? good : cut).compactMap(\.pmid).joined(separator: " ")
                    } catch {
                        return "line \(error.line ?? 0): \(error.message)"
                    }
                }
            }
            return await Set(group.reduce(into: []) { $0.append($1) })
        }
        #expect(outcomes == ["21380937 38258677 29523156", "line 24: the XML ends inside <AbstractText> — the file may be truncated"])
    }

    /// Never fetch what a file points to: neither a DTD nor an entity declared in the file itself.
    @Test func declaredEntitiesAreNotExpanded() throws {
        let secret = FileManager.default.temporaryDirectory.appendingPathComponent("pubmed-xml-secret-\(UUID().uuidString).txt")
        try Data("do-not-read-me".utf8).write(to: secret)
        defer { try? FileManager.default.removeItem(at: secret) }
        let text = """
            <?xml version="1.0"?>
            <!DOCTYPE PubmedArticleSet [
              <!ENTITY secret SYSTEM "\(secret.absoluteString)">
              <!ENTITY word "expanded">
            ]>
            <PubmedArticleSet><PubmedArticle><MedlineCitation><Article>
            <ArticleTitle>Synthetic &secret; &word;</ArticleTitle>
            </Article></MedlineCitation></PubmedArticle></PubmedArticleSet>
            """
        // Darwin's parser reports the declarations (and the reader refuses the file); Linux's ignores them.
        let titles = (try? pubMedXMLRead(text))?.compactMap(\.title) ?? []
        #expect(!titles.contains { $0.contains("do-not-read-me") || $0.contains("expanded") })
    }
}
