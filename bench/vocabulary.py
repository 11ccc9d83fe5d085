"""Words the data set is made of: category names, subjects, titles, people, lesson topics."""

from __future__ import annotations

CATEGORIES: tuple[str, ...] = (
    "Web Development", "Data Science", "Machine Learning", "Mobile Development",
    "Cloud Computing", "DevOps", "Cybersecurity", "Databases", "Programming Languages",
    "Game Development", "UI & UX Design", "Graphic Design", "Photography", "Music Production",
    "Digital Marketing", "Search Engine Optimization", "Finance", "Accounting",
    "Entrepreneurship", "Project Management", "Leadership", "Communication", "Public Speaking",
    "Creative Writing", "Foreign Languages", "Mathematics", "Statistics", "Physics",
    "Chemistry", "Biology", "Health & Fitness", "Nutrition", "Yoga", "Personal Development",
    "Productivity", "Cooking", "Drawing & Painting", "Video Editing", "3D Modeling",
    "Architecture", "Computer Networking", "Operating Systems", "Blockchain",
    "Artificial Intelligence", "Embedded Systems", "Robotics", "Software Testing",
    "Software Architecture", "Spreadsheets", "Career Development",
)  # fmt: skip

SUBJECTS: tuple[str, ...] = (
    "Python", "JavaScript", "TypeScript", "React", "Vue", "Angular", "Django", "Flask",
    "FastAPI", "Node.js", "Go", "Rust", "Java", "Kotlin", "Swift", "C#", "C++", "SQL",
    "PostgreSQL", "MongoDB", "Redis", "GraphQL", "Docker", "Kubernetes", "Terraform", "AWS",
    "Azure", "Linux", "Git", "Pandas", "NumPy", "PyTorch", "TensorFlow", "Scikit-learn",
    "Excel", "Power BI", "Tableau", "Figma", "Photoshop", "Illustrator", "Blender", "Unity",
    "Unreal Engine", "Premiere Pro", "Lightroom", "Ableton Live", "Spanish", "French",
    "German", "Japanese", "Calculus", "Linear Algebra", "Probability", "Bookkeeping",
    "Investing", "Negotiation", "Agile", "Scrum", "Copywriting", "Ethical Hacking",
)  # fmt: skip

TAG_ASPECTS: tuple[str, ...] = ("", "Basics", "Projects", "Testing", "Performance")

TITLE_PREFIXES: tuple[str, ...] = (
    "Complete", "Practical", "Modern", "Mastering", "Introduction to", "Advanced",
    "Hands-On", "The Essential", "Professional", "Applied", "Fundamentals of", "Real-World",
)  # fmt: skip

TITLE_SUFFIXES: tuple[str, ...] = (
    "", " for Beginners", " Bootcamp", " in 30 Days", ": From Zero to Hero", " Masterclass",
    " for Professionals", " by Example", " Crash Course", " Deep Dive", " Workshop",
)  # fmt: skip

SUBTITLES: tuple[str, ...] = (
    "Build real projects and learn the habits of experienced practitioners",
    "Everything you need, explained step by step with exercises",
    "Short lessons, quizzes and a capstone project",
    "Go from the basics to confident everyday use",
    "The patterns, tools and trade-offs that matter at work",
)

DESCRIPTION_SENTENCES: tuple[str, ...] = (
    "Learn {subject} step by step with hands-on exercises and real projects.",
    "This course covers the core ideas of {subject} used every day in {category}.",
    "You will practise {subject} on realistic examples and get feedback from quizzes.",
    "By the end you will be able to plan, build and review work with {subject}.",
    "No prior knowledge of {category} is required; we start from first principles.",
    "Each module ends with an assignment that applies {subject} to a new problem.",
    "We compare common approaches, explain their trade-offs and show how experts work.",
    "Downloadable resources and cheat sheets help you keep {subject} at your fingertips.",
)

REQUIREMENTS: tuple[str, ...] = (
    "A computer with internet access",
    "Basic familiarity with using a computer",
    "Curiosity and about three hours a week",
    "No prior experience needed",
    "High-school mathematics",
    "A free account on the tools used in the course",
)

OBJECTIVES: tuple[str, ...] = (
    "Understand the core concepts of {subject}",
    "Build a complete project with {subject}",
    "Apply {subject} to problems in {category}",
    "Avoid the most common mistakes beginners make",
    "Read and review other people's {subject} work",
    "Prepare for a job interview that covers {subject}",
)

MODULE_TOPICS: tuple[str, ...] = (
    "Getting Started", "Core Concepts", "Working with Data", "Tools of the Trade",
    "Building a Project", "Testing and Debugging", "Performance", "Security", "Deployment",
    "Best Practices", "Case Studies", "Capstone", "Going Further", "Review",
)  # fmt: skip

LESSON_VERBS: tuple[str, ...] = (
    "Introducing", "Exploring", "Understanding", "Practising", "Building", "Reviewing",
    "Debugging", "Designing", "Optimising", "Comparing",
)  # fmt: skip

FIRST_NAMES: tuple[str, ...] = (
    "Ada", "Alan", "Grace", "Linus", "Maria", "Kenji", "Amara", "Priya", "Lucas", "Sofia",
    "Mateo", "Chloe", "Noah", "Aisha", "Omar", "Elena", "Ivan", "Mei", "Hiro", "Fatima",
    "Jonas", "Lea", "Carlos", "Ines", "Tariq", "Nadia", "Pavel", "Olga", "Tomas", "Zara",
    "Diego", "Lina", "Kwame", "Yuki", "Emma", "Liam", "Anya", "Rafael", "Sara", "Theo",
)  # fmt: skip

LAST_NAMES: tuple[str, ...] = (
    "Lovelace", "Turing", "Hopper", "Torvalds", "Lopez", "Sato", "Okafor", "Sharma", "Silva",
    "Rossi", "Garcia", "Martin", "Smith", "Khan", "Haddad", "Petrova", "Ivanov", "Chen",
    "Tanaka", "Hassan", "Berg", "Muller", "Santos", "Costa", "Aziz", "Novak", "Kowalski",
    "Popescu", "Horvat", "Nguyen", "Fernandez", "Moreau", "Mensah", "Suzuki", "Brown",
    "Wilson", "Kuznetsova", "Pereira", "Dubois", "Jensen",
)  # fmt: skip

INSTRUCTOR_TITLES: tuple[str, ...] = (
    "Senior Software Engineer", "Data Scientist", "University Lecturer", "Product Designer",
    "Consultant", "Staff Engineer", "Certified Trainer", "Researcher", "Founder",
)  # fmt: skip

LANGUAGES: tuple[tuple[str, int], ...] = (
    ("en", 70), ("es", 8), ("fr", 6), ("de", 5), ("pt", 5), ("ja", 3), ("it", 3),
)  # fmt: skip

TIER_FEATURES: dict[str, tuple[str, ...]] = {
    "basic": ("All video lessons", "Lifetime access"),
    "pro": ("All video lessons", "Lifetime access", "Quizzes and assignments", "Certificate"),
    "premium": (
        "All video lessons",
        "Lifetime access",
        "Quizzes and assignments",
        "Certificate",
        "Monthly live Q&A",
        "Personal code reviews",
    ),
}
